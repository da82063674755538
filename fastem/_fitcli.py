"""``fastem fit``: read a table, fit a model, print its parameters."""

import contextlib
import csv
import json
import math
import os
import sys
import warnings

import numpy as np


class CLIError(Exception):
    """A one-line error for the command line: the run failed (exit status 1)."""

    status = 1


class UsageError(CLIError):
    """Options that do not go together: exit status 2, like argparse's own errors."""

    status = 2


def _number(text):
    try:
        return float(text)
    except ValueError:
        return None


MISSING_CELLS = ("", "NA", "NaN", "nan", "N/A")  # read as missing with --missing em


def read_table(path, missing=False):
    """Read CSV (.csv), TSV (.tsv, .tab) or NumPy (.npy): (data as float array, column
    names). A first row that is not all numbers is a header. ``missing``: empty cells
    and NA (``MISSING_CELLS``) are NaN; otherwise they are an error naming the cell."""
    if not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    ext = os.path.splitext(path)[1].lower()
    if ext == ".npy":
        try:
            data = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise CLIError(f"{path}: not a readable .npy file ({exc})") from None
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.dtype.kind not in "biuf":
            raise CLIError(f"{path}: expected a 1-D or 2-D numeric array, got "
                           f"{data.ndim}-D {data.dtype}")
        return data.astype(np.float64), [str(i) for i in range(data.shape[1])]
    delimiter = {".csv": ",", ".tsv": "\t", ".tab": "\t"}.get(ext)
    if delimiter is None:
        raise CLIError(f"{path}: unknown file type {ext or '(none)'}; use .csv, .tsv or .npy")
    # (physical line where the record starts, 1-based, blank lines counted; fields)
    rows = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:  # Excel writes a BOM
            reader = csv.reader(fh, delimiter=delimiter)
            start = 1
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):  # skip blank lines
                    rows.append((start, row))
                start = reader.line_num + 1  # a quoted field may span several lines
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"{path}: cannot read ({exc})") from None
    if not rows:
        raise CLIError(f"{path}: the file is empty")
    header = None
    if any(_number(cell) is None and cell.strip() not in MISSING_CELLS
           for cell in rows[0][1]):
        header, rows = [c.strip() for c in rows[0][1]], rows[1:]
    if not rows:
        raise CLIError(f"{path}: no data rows")
    width = len(header) if header else len(rows[0][1])
    data = np.empty((len(rows), width))
    for i, (line, row) in enumerate(rows):
        if len(row) != width:
            raise CLIError(f"{path}: line {line} has {len(row)} fields, expected {width}")
        for j, cell in enumerate(row):
            value = _number(cell)
            text = cell.strip()
            if text in MISSING_CELLS or (value is not None and math.isnan(value)):
                if not missing:
                    name = header[j] if header else j
                    raise CLIError(f"{path}: line {line}, column {name!r}: a missing value "
                                   f"({cell!r}); fit it with --missing em (gmm, binomial) "
                                   "or remove the row")
                value = math.nan
            elif value is None:
                name = header[j] if header else j
                raise CLIError(f"{path}: line {line}, column {name!r}: {cell!r} is not a "
                               f"number")
            data[i, j] = value
    return data, header or [str(i) for i in range(width)]


def _column_index(names, column):
    if column in names:
        return names.index(column)
    if column.isdigit() and int(column) < len(names):
        return int(column)
    raise CLIError(f"no column {column!r}; the columns are {', '.join(names)}")


def _fmt(values):
    return "  ".join(f"{v:10.4g}" for v in np.ravel(values))


def _json_safe(value):
    """The report with NumPy scalars as Python numbers and the non-finite floats
    (inf, -inf, nan), which standard JSON cannot write, as null."""
    if isinstance(value, dict):
        return {key: _json_safe(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value


def _selection_report(selection, names):
    r = selection.results_
    keys = names + ["bic", "aic", "icl", "log_likelihood", "n_parameters", "converged",
                    "degenerate", "rank", "error"]
    rows = [{key: (r[key][i].item() if hasattr(r[key][i], "item") else r[key][i])
             for key in keys} for i in range(len(r["bic"]))]
    return {"criterion": selection.criterion, "best": dict(selection.best_params_),
            "table": rows}


def _print_selection(selection, grid, criterion):
    """The criterion table, one row per n_components and one column per covariance
    type (mclust's BIC table, with fastem's sign: lower is better)."""
    r = selection.results_
    types = grid.get("covariance_type", [None])
    print(f"{criterion.upper()} (lower is better; mclust prints minus these)")
    print(f"{'k':>3} " + " ".join(f"{(t or criterion)[:14]:>14}" for t in types))
    for k in grid["n_components"]:
        cells = []
        for t in types:
            mask = r["n_components"] == k
            if t is not None:
                mask &= r["covariance_type"] == t
            i = np.flatnonzero(mask)[0]
            v = r[criterion][i]
            mark = "*" if r["degenerate"][i] else " "
            cells.append(f"{v:13.3f}{mark}" if np.isfinite(v) else f"{'failed':>14}")
        print(f"{k:>3} " + " ".join(cells))
    if r["degenerate"].any():
        print("* a degenerate component (see fastem.DegenerateComponentWarning): chosen "
              "only if every fit has one")
    best = ", ".join(f"{key}={value}" for key, value in selection.best_params_.items())
    print(f"chosen: {best}\n")


def check_options(args):
    """Refuse options that do not go with --model, before the file is read."""
    if args.covariance_type is not None and args.model != "gmm":
        raise UsageError("--covariance-type is for --model gmm")
    for flag, value in (("--n-trials", args.n_trials),
                        ("--n-trials-column", args.n_trials_column)):
        if value is not None and args.model != "binomial":
            raise UsageError(f"{flag} is for --model binomial")
    if args.model == "binomial" and args.n_trials is None and args.n_trials_column is None:
        raise UsageError("--model binomial needs --n-trials N or --n-trials-column C")
    if args.missing == "em" and args.model == "kmeans":
        raise UsageError("--missing em is for --model gmm or binomial")
    if args.model == "kmeans" and len(args.k) > 1:
        raise UsageError("several -k values choose a model by a likelihood criterion: "
                         "for --model gmm or binomial")


def run_fit(args):
    check_options(args)
    data, names = read_table(args.file, missing=args.missing == "em")
    trials_col = None
    if args.n_trials_column is not None:
        trials_col = _column_index(names, args.n_trials_column)
    if args.columns:
        cols = [_column_index(names, c) for c in args.columns]
    else:
        cols = [j for j in range(len(names)) if j != trials_col]
    if not cols:
        raise CLIError("no data columns left to fit")
    X = data[:, cols]
    used = [names[j] for j in cols]
    fit_kw = {}
    import fastem
    from .gaussian_mixture import component_covariance

    common = dict(random_state=args.seed, n_init=args.n_init, verbose=1 if args.verbose else 0)
    if args.max_iter is not None:
        common["max_iter"] = args.max_iter
    types = args.covariance_type or ["full"]
    k = args.k[0]
    if args.model == "kmeans":
        est = fastem.KMeans(k, **common)
    elif args.model == "gmm":
        est = fastem.GaussianMixture(k, covariance_type=types[0], missing=args.missing,
                                     **common)
    else:
        if trials_col is not None:
            fit_kw["n_trials"] = data[:, [trials_col]]
        else:
            fit_kw["n_trials"] = args.n_trials
        est = fastem.BinomialMixture(k, missing=args.missing, **common)
    grid = {"n_components": args.k}
    if args.model == "gmm":
        grid["covariance_type"] = types
    selecting = len(args.k) > 1 or len(types) > 1
    # progress goes to stderr, so that --json output stays clean
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if selecting:
                selection = fastem.ModelSelection(est, grid, criterion=args.criterion)
                est = selection.fit(X, **fit_kw).best_estimator_
            else:
                est.fit(X, **fit_kw)
        except (ValueError, TypeError) as exc:
            raise CLIError(str(exc)) from None
    for w in caught:
        print(f"fastem: warning: {w.message}", file=sys.stderr)
    k = est.n_components if args.model != "kmeans" else k
    args.k = k
    report = {"model": type(est).__name__, "file": args.file, "n_samples": int(X.shape[0]),
              "columns": used, "n_components": args.k, "n_iter": int(est.n_iter_),
              "converged": bool(est.converged_), "backend": est.backend_}
    if args.model == "kmeans":
        report["inertia"] = est.inertia_
        report["cluster_centers"] = est.cluster_centers_.tolist()
        report["cluster_sizes"] = np.bincount(est.labels_, minlength=args.k).tolist()
    elif args.model == "gmm":
        report.update(covariance_type=est.covariance_type,
                      mean_log_likelihood=est.lower_bound_, bic=est.bic(X),
                      weights=est.weights_.tolist(), means=est.means_.tolist(),
                      covariances=est.covariances_.tolist())
    else:
        report.update(mean_log_likelihood=est.lower_bound_, weights=est.weights_.tolist(),
                      probs=np.atleast_2d(est.probs_.T).T.tolist())
    if selecting:
        report["selection"] = _selection_report(selection, list(grid))
    if args.json:
        print(json.dumps(_json_safe(report), indent=2, allow_nan=False))
        return 0
    if selecting:
        _print_selection(selection, grid, args.criterion)
    print(f"{report['model']} with {args.k} components on {X.shape[0]} rows of "
          f"{', '.join(used)} ({args.file}), backend {est.backend_}")
    print(f"{'converged' if est.converged_ else 'stopped (not converged)'} after "
          f"{est.n_iter_} iterations")
    header = "component " + "  ".join(f"{n[:10]:>10}" for n in used)
    if args.model == "kmeans":
        print(f"inertia {est.inertia_:.6g}\n")
        print(f"{header}        size")
        for j, c in enumerate(est.cluster_centers_):
            print(f"{j:>9} {_fmt(c)}  {report['cluster_sizes'][j]:>10}")
    elif args.model == "gmm":
        print(f"mean log-likelihood {est.lower_bound_:.6g}, BIC {report['bic']:.6g}\n")
        print(f"{'':9} {'weight':>10}  " + "  ".join(f"{'mean ' + n[:5]:>10}" for n in used)
              + "  " + "  ".join(f"{'sd ' + n[:7]:>10}" for n in used))
        for j in range(args.k):
            var = np.diag(component_covariance(est.covariances_, est.covariance_type, j,
                                               len(used)))
            print(f"{j:>9} {est.weights_[j]:10.4f}  {_fmt(est.means_[j])}  "
                  f"{_fmt(np.sqrt(var))}")
    else:
        print(f"mean log-likelihood {est.lower_bound_:.6g}\n")
        print(f"{'':9} {'weight':>10}  " + "  ".join(f"{'p ' + n[:8]:>10}" for n in used))
        probs = np.reshape(est.probs_, (args.k, -1))
        for j in range(args.k):
            print(f"{j:>9} {est.weights_[j]:10.4f}  {_fmt(probs[j])}")
    return 0
