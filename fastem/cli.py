"""The ``fastem`` command (also ``python -m fastem``)."""

import argparse
import sys

__all__ = ["main"]


def _bench(args):
    from ._bench import run

    run(quick=args.quick, only=args.only, with_python=args.with_python,
        threads_scaling=args.threads)
    return 0


def _warmup(args):
    import fastem

    seconds = fastem.warmup()
    print(f"kernels compiled or loaded from the cache in {seconds:.1f} s")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(
        prog="fastem", description="Fast Expectation-Maximization: K-Means, Gaussian and "
                                   "binomial mixtures.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
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
    try:
        return args.func(args)
    except KeyboardInterrupt:  # pragma: no cover
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
