"""The ``fastem`` command (also ``python -m fastem``)."""

import argparse
import sys

__all__ = ["main"]


def _bench(args):
    from ._bench import run

    run(quick=args.quick, only=args.only, with_python=args.with_python,
        threads_scaling=args.threads)
    return 0


def _demo(args):
    from ._demo import run

    results = run(seed=args.seed, plots=args.plots)
    return 0 if all(results.values()) else 1


def _fit(args):
    from ._fitcli import run_fit

    return run_fit(args)


def _warmup(args):
    import fastem

    seconds = fastem.warmup()
    print(f"kernels compiled or loaded from the cache in {seconds:.1f} s")
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    parser = _Parser(
        prog="fastem", description="Fast Expectation-Maximization: K-Means, Gaussian and "
                                   "binomial mixtures.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    demo = sub.add_parser("demo", help="run the three classic EM examples")
    demo.add_argument("--plots", metavar="DIR", help="write the figures as PNG files here "
                                                     "(needs matplotlib: the plot extra)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(func=_demo)
    fit = sub.add_parser("fit", help="fit a model to a CSV, TSV or .npy file")
    fit.add_argument("file", help="data: .csv, .tsv or .npy (a non-numeric first row is a "
                                  "header)")
    fit.add_argument("--model", required=True, choices=["kmeans", "gmm", "binomial"])
    fit.add_argument("-k", type=int, required=True, help="number of clusters or components")
    fit.add_argument("--covariance-type", default="full",
                     choices=["full", "tied", "diag", "spherical"], help="for --model gmm")
    trials = fit.add_mutually_exclusive_group()
    trials.add_argument("--n-trials", type=int, metavar="N",
                        help="trials behind every count (--model binomial)")
    trials.add_argument("--n-trials-column", metavar="C",
                        help="column holding the trials of each row (--model binomial)")
    fit.add_argument("--columns", nargs="+", metavar="C",
                     help="columns to fit, by name or 0-based index (default: all)")
    fit.add_argument("--n-init", type=int, default=1, help="restarts (default 1)")
    fit.add_argument("--max-iter", type=int, help="iterations per restart")
    fit.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fit.add_argument("--json", action="store_true", help="print the result as JSON")
    fit.add_argument("-v", "--verbose", action="store_true",
                     help="print progress per iteration (to stderr)")
    fit.set_defaults(func=_fit)
    bench = sub.add_parser("bench", help="time fastem against scikit-learn and other peers")
    bench.add_argument("--quick", action="store_true",
                       help="data ten times smaller; finishes in about a minute")
    bench.add_argument("--only", nargs="+", metavar="TEXT",
                       help="only the cases whose name contains one of these")
    bench.add_argument("--with-python", action="store_true",
                       help="also time fastem's own NumPy reference backend")
    bench.add_argument("--threads", action="store_true",
                       help="also time the large cases on one thread")
    bench.set_defaults(func=_bench)
    warm = sub.add_parser("warmup", help="compile every kernel now (or load it from the cache)")
    warm.set_defaults(func=_warmup)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from ._fitcli import CLIError

    try:
        return args.func(args)
    except CLIError as exc:
        print(f"fastem: error: {exc}", file=sys.stderr)
        return 1
    except ImportError as exc:
        print(f"fastem: error: {exc} (for --plots: pip install 'fastem[plot]')",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
