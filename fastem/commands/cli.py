"""The ``fastem`` command (also ``python -m fastem``).

Every error is one line on stderr, ``fastem: error: <message>``, whoever finds it
(argparse or fastem). Exit status: 0 success; 1 the run failed (a file that cannot be
read or parsed, a missing column, a fit the model refuses, a demo example not
recovered, a missing optional dependency); 2 usage error (the command line itself:
unknown, malformed or out-of-range options, options that do not go together, no
command); 141 (128 + SIGPIPE) the reader of stdout went away, e.g. ``| head -1``;
130 interrupted (Ctrl-C).
"""

import argparse
import os
import sys

__all__ = ["main"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process killed by SIGPIPE
EXIT_INTERRUPTED = 128 + 2


def _bench(args):
    from .bench import run, run_grid, run_labels, run_large_k, run_missing

    if args.missing:
        run_missing(quick=args.quick, only=args.only)
    elif args.labels:
        run_labels(quick=args.quick, only=args.only)
    elif args.grid:
        run_grid(quick=args.quick, only=args.only)
    elif args.large_k:
        run_large_k(quick=args.quick, only=args.only)
    else:
        run(quick=args.quick, only=args.only, with_python=args.with_python,
            threads_scaling=args.threads)
    return 0


def _demo(args):
    from .demo import run

    results = run(seed=args.seed, plots=args.plots)
    return EXIT_OK if all(results.values()) else EXIT_FAILURE


def _fit(args):
    from .fit import run_fit

    return run_fit(args)


def _warmup(args):
    import fastem

    seconds = fastem.warmup(jobs=args.jobs, verbose=True)
    print(f"kernels compiled or loaded from the cache in {seconds:.1f} s")
    return 0


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block, the same prefix as fastem's
        self.exit(EXIT_USAGE, f"fastem: error: {message}\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number: {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return value


def _k_values(text):
    """``-k``: one count, a range ``a:b`` (both included) or a list ``a,b,c``."""
    try:
        if ":" in text:
            lo, hi = (int(part) for part in text.split(":"))
            values = list(range(lo, hi + 1))
        else:
            values = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"invalid value {text!r}: give a count (3), a range (1:9) or a list (2,4,8)"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"counts must be at least 1, got {text!r}")
    return values


def _covariance_types(text):
    """``--covariance-type``: one type, a comma list, or ``all``."""
    from ..gaussian_mixture import COVARIANCE_TYPES

    values = list(COVARIANCE_TYPES) if text == "all" else text.split(",")
    bad = [v for v in values if v not in COVARIANCE_TYPES]
    if bad:
        raise argparse.ArgumentTypeError(
            f"invalid covariance type {bad[0]!r}: choose from {', '.join(COVARIANCE_TYPES)}, "
            "a comma list of them, or all")
    return values


def build_parser():
    parser = _Parser(
        prog="fastem", description="Fast Expectation-Maximization: K-Means, Gaussian and "
                                   "binomial mixtures.")
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"fastem {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    demo = sub.add_parser("demo", help="run the three classic EM examples")
    demo.add_argument("--plots", metavar="DIR", help="write the figures as PNG files here "
                                                     "(needs matplotlib: the plot extra)")
    demo.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    demo.set_defaults(func=_demo)
    fit = sub.add_parser("fit", help="fit a model to a CSV, TSV or .npy file")
    fit.add_argument("file", help="data: .csv, .tsv, .npy, or - for standard input (CSV "
                                  "unless --delimiter); a first row with a cell that is "
                                  "not a number is a header")
    fit.add_argument("--model", required=True, choices=["kmeans", "gmm", "binomial"])
    fit.add_argument("-k", type=_k_values, required=True,
                     help="number of clusters or components; a range (1:9) or a list "
                          "(2,4,8) chooses among them by --criterion (gmm, binomial)")
    fit.add_argument("--covariance-type", type=_covariance_types,
                     help="for --model gmm (default full): full, tied, diag, spherical, "
                          "tied_diag, tied_spherical, a comma list of them, or all (more "
                          "than one chooses among them by --criterion)")
    fit.add_argument("--criterion", choices=["bic", "aic", "icl"], default="bic",
                     help="the criterion that chooses the model when -k or "
                          "--covariance-type give several (default bic; lower is better)")
    trials = fit.add_mutually_exclusive_group()
    trials.add_argument("--n-trials", type=_positive_int, metavar="N",
                        help="trials behind every count (--model binomial)")
    trials.add_argument("--n-trials-column", metavar="C",
                        help="column holding the trials of each row (--model binomial)")
    fit.add_argument("--columns", nargs="+", metavar="C",
                     help="columns to fit, by name or 0-based index (default: all); only "
                          "these are read as numbers, the others may hold anything")
    fit.add_argument("--weights-column", metavar="C",
                     help="column holding each row's sample weight")
    fit.add_argument("--header", choices=["auto", "yes", "no"], default="auto",
                     help="whether the first row names the columns (default auto: yes "
                          "when a column has text there and a number below it, or when "
                          "the row is all text)")
    fit.add_argument("--delimiter", metavar="D",
                     help="field delimiter: one character, or tab (default: from the "
                          "extension; comma for standard input)")
    fit.add_argument("--output", metavar="FILE",
                     help="write one CSV row per input row: the --keep columns, label, "
                          "prob_0 .. prob_{k-1} and log_density (K-Means: label and "
                          "distance); - for standard output (the report then goes to "
                          "standard error)")
    fit.add_argument("--keep", nargs="+", metavar="C",
                     help="input columns copied, as written, to the --output rows")
    fit.add_argument("--missing", choices=["raise", "em"], default="raise",
                     help="empty cells, NA and NaN: an error (raise, the default) or "
                     "missing values fitted by exact EM over the observed entries (em; "
                     "gmm and binomial)")
    fit.add_argument("--n-init", type=_positive_int, default=1, help="restarts (default 1)")
    fit.add_argument("--max-iter", type=_positive_int, help="iterations per restart")
    fit.add_argument("--tol", type=_non_negative_float,
                     help="convergence tolerance (default: the estimator's)")
    fit.add_argument("--init", metavar="METHOD",
                     help="initialisation: k-means++ or random (kmeans); kmeans, "
                          "k-means++, random or random_from_data (gmm); random or kmeans "
                          "(binomial)")
    fit.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    fit.add_argument("--json", action="store_true",
                     help="print the result as standard JSON (non-finite numbers as null)")
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
    bench.add_argument("--grid", action="store_true",
                       help="a grid of shapes instead of the table: K-Means for d in "
                            "2..128 and k in 3..256, every covariance type for d in "
                            "1..32 and k in 2..32")
    bench.add_argument("--missing", action="store_true",
                       help="GaussianMixture(missing='em'): an iteration on data with "
                       "holes against the complete data's, over a grid of shapes")
    bench.add_argument("--labels", action="store_true",
                       help="fit(X, labels=...) with partial labels: an iteration with a fraction "
                       "of the rows labelled against one without labels, over a grid")
    bench.add_argument("--large-k", action="store_true",
                       help="K-Means with 100 to 1000 clusters, whole fits to convergence "
                            "with each search method against scikit-learn")
    bench.set_defaults(func=_bench)
    warm = sub.add_parser("warmup", help="compile the kernels of the common paths now (or "
                          "load them from the cache), a line per group")
    warm.add_argument("--jobs", type=int, default=2, choices=(1, 2),
                      help="processes that compile at once (default 2)")
    warm.set_defaults(func=_warmup)
    return parser


def _stdout_gone():
    """stdout's reader has gone (``fastem fit ... | head -1``): point stdout at devnull,
    so that the flush at interpreter exit does not raise BrokenPipeError again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, AttributeError, ValueError):  # stdout is not a real file
        pass
    return EXIT_BROKEN_PIPE


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    from .fit import CLIError

    try:
        status = args.func(args)
        sys.stdout.flush()  # a broken pipe shows up here, not at interpreter exit
        return status
    except BrokenPipeError:
        return _stdout_gone()
    except CLIError as exc:
        print(f"fastem: error: {exc}", file=sys.stderr)
        return exc.status
    except ImportError as exc:
        hint = " (for --plots: pip install 'fastem[plot]')" if args.command == "demo" else ""
        print(f"fastem: error: {exc}{hint}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:  # pragma: no cover
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
