"""``fastem fit``: read a table, fit a model, print its parameters."""

import contextlib
import csv
import io
import json
import math
import os
import re
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


def _delimiter(path, delimiter):
    if delimiter is not None:
        text = {"tab": "\t", "\\t": "\t"}.get(delimiter, delimiter)
        if len(text) != 1:
            raise UsageError(f"--delimiter must be one character (or 'tab'), got "
                             f"{delimiter!r}")
        return text
    if path == "-":
        return ","
    ext = os.path.splitext(path)[1].lower()
    found = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": ","}.get(ext)
    if found is None:
        raise CLIError(f"{path}: unknown file type {ext or '(none)'}; use .csv, .tsv or "
                       ".npy, or give --delimiter")
    return found


class Table:
    """A table read from a file: its column names and its rows of cells, parsed into
    numbers only for the columns a fit asks for (the others may hold anything)."""

    def __init__(self, path, names, rows=None, array=None):
        self.path, self.names, self.rows, self.array = path, names, rows, array

    @property
    def n_rows(self):
        return len(self.rows) if self.array is None else self.array.shape[0]

    def index(self, column):
        if column in self.names:
            return self.names.index(column)
        if column.isdigit() and int(column) < len(self.names):
            return int(column)
        hint = self.delimiter_hint()
        raise CLIError(f"no column {column!r}; the columns are {', '.join(self.names)}"
                       + (f" ({hint})" if hint else ""))

    def numbers(self, cols, missing=False, what="column"):
        """The columns ``cols`` (indices) as a float array; empty cells and NA
        (``MISSING_CELLS``) are NaN with ``missing``, an error naming the cell
        otherwise."""
        if self.array is not None:
            return self.array[:, cols].astype(np.float64)
        data = np.empty((len(self.rows), len(cols)))
        for i, (line, row) in enumerate(self.rows):
            for jj, j in enumerate(cols):
                cell = row[j]
                value = _number(cell)
                text = cell.strip()
                name = self.names[j]
                if text in MISSING_CELLS or (value is not None and math.isnan(value)):
                    if not missing:
                        hint = ("fit it with --missing em (gmm, binomial) or remove the row"
                                if what == "column" else f"the {what} cannot be missing")
                        raise CLIError(f"{self.path}: line {line}, column {name!r}: a "
                                       f"missing value ({cell!r}); {hint}")
                    value = math.nan
                elif value is None:
                    raise CLIError(f"{self.path}: line {line}, column {name!r}: {cell!r} "
                                   "is not a number")
                data[i, jj] = value
        return data

    def empty(self, j):
        """Whether every cell of column ``j`` is empty."""
        return self.array is None and all(not row[j].strip() for _, row in self.rows)

    def delimiter_hint(self):
        if len(self.names) == 1 and any(c in self.names[0] for c in ";\t|"):
            return "one column: is the file delimited by another character? --delimiter"
        return ""

    def text(self, cols):
        """The cells of the columns ``cols`` as they were written, row by row."""
        if self.array is not None:
            return [[repr(float(v)) for v in row] for row in self.array[:, cols]]
        return [[row[j] for j in cols] for _, row in self.rows]


def _is_text(cell):
    return _number(cell) is None and cell.strip() not in MISSING_CELLS


def _has_header(rows, header):
    """``header``: "yes", "no" or "auto". Auto: the first row is a header when one of
    its columns holds text there and a number (or a missing cell) in the next row, or,
    with one row or no such column, when its cells are all text; a column of text all
    the way down (labels, names) decides nothing."""
    if header != "auto":
        return header == "yes"
    first = rows[0][1]
    if len(rows) > 1:
        second = rows[1][1]
        if any(_is_text(a) and not _is_text(b) for a, b in zip(first, second)):
            return True
        if any(not _is_text(a) for a in first):
            return False
    return all(_is_text(cell) for cell in first)


def _unique_names(names):
    """Column names as the report and ``--columns`` use them: an empty name is
    "column j", and a repeated one takes ".1", ".2", ... (as pandas reads them)."""
    out, seen = [], {}
    for j, raw in enumerate(names):
        base = raw or f"column {j}"
        name = base
        while name in seen:
            seen[base] = seen.get(base, 0) + 1
            name = f"{base}.{seen[base]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out


def read_table(path, delimiter=None, header="auto"):
    """Read CSV (.csv, .txt), TSV (.tsv, .tab), NumPy (.npy) or, for ``-``, standard
    input (CSV unless ``delimiter`` says otherwise) into a :class:`Table`. ``header``
    ("auto", "yes", "no"): whether the first row names the columns (else they are
    named 0, 1, ...; see :func:`_has_header`). Cells are parsed later, column by
    column, by :meth:`Table.numbers`."""
    if path != "-" and not os.path.exists(path):
        raise CLIError(f"{path}: no such file")
    if path != "-" and os.path.splitext(path)[1].lower() == ".npy":
        try:
            data = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as exc:
            raise CLIError(f"{path}: not a readable .npy file ({exc})") from None
        if data.ndim == 1:
            data = data[:, None]
        if data.ndim != 2 or data.dtype.kind not in "biuf":
            raise CLIError(f"{path}: expected a 1-D or 2-D numeric array, got "
                           f"{data.ndim}-D {data.dtype}")
        return Table(path, [str(i) for i in range(data.shape[1])],
                     array=data.astype(np.float64))
    sep = _delimiter(path, delimiter)
    # (physical line where the record starts, 1-based, blank lines counted; fields)
    rows = []
    try:
        # Excel writes a byte order mark, on standard input too
        fh = (open(path, newline="", encoding="utf-8-sig") if path != "-" else
              io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", newline=""))
        with fh:
            reader = csv.reader(fh, delimiter=sep)
            start = 1
            for row in reader:
                if row:  # an empty line; a line of spaces is decided below
                    rows.append((start, row))
                start = reader.line_num + 1  # a quoted field may span several lines
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CLIError(f"{path}: cannot read ({exc})") from None
    name = "standard input" if path == "-" else path
    width = max((len(row) for _, row in rows), default=0)
    if width > 1:  # a single blank cell is a blank line, not a row
        rows = [(line, row) for line, row in rows if len(row) > 1 or row[0].strip()]
    if not rows:
        raise CLIError(f"{name}: the file is empty")
    names = None
    if _has_header(rows, header):
        names, rows = [c.strip() for c in rows[0][1]], rows[1:]
    if not rows:
        raise CLIError(f"{name}: no data rows")
    width = len(names) if names else len(rows[0][1])
    for line, row in rows:
        if len(row) != width:
            raise CLIError(f"{name}: line {line} has {len(row)} fields, expected {width}")
    return Table(name, _unique_names(names) if names else [str(i) for i in range(width)],
                 rows=rows)


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


INITS = {"kmeans": ("k-means++", "random"),
         "gmm": ("kmeans", "k-means++", "random", "random_from_data"),
         "binomial": ("random", "kmeans")}


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
    if args.init is not None and args.init not in INITS[args.model]:
        raise UsageError(f"--init {args.init} is not an initialisation of --model "
                         f"{args.model}: choose from {', '.join(INITS[args.model])}")
    if args.keep and not args.output:
        raise UsageError("--keep chooses the input columns written by --output")


def _estimator(args, k, types):
    import fastem

    # -v: a line per iteration (and per restart)
    common = dict(random_state=args.seed, n_init=args.n_init, verbose=2 if args.verbose else 0,
                  verbose_interval=1)
    if args.max_iter is not None:
        common["max_iter"] = args.max_iter
    if args.tol is not None:
        common["tol"] = args.tol
    if args.init is not None:
        common["init" if args.model == "kmeans" else "init_params"] = args.init
    if args.model == "kmeans":
        return fastem.KMeans(k, **common)
    if args.model == "gmm":
        return fastem.GaussianMixture(k, covariance_type=types[0], missing=args.missing,
                                      **common)
    return fastem.BinomialMixture(k, missing=args.missing, **common)


def _write_rows(args, table, keep, est, X, fit_kw):
    """--output: one CSV row per input row, the --keep columns as written, then the
    label and, for the mixtures, the probability of each component and the
    log-density (K-Means: the distance to the centre)."""
    kept = table.text(keep)
    predict_kw = {"n_trials": fit_kw["n_trials"]} if "n_trials" in fit_kw else {}
    if args.model == "kmeans":
        labels = est.labels_
        extra = np.min(np.asarray(est._distances(X)), axis=1)[:, None]
        extra_names = ["distance"]
    else:
        probs = est.predict_proba(X, **predict_kw)
        labels = est.predict(X, **predict_kw)
        extra = np.column_stack([probs, est.score_samples(X, **predict_kw)])
        extra_names = [f"prob_{j}" for j in range(probs.shape[1])] + ["log_density"]
    header = [table.names[j] for j in keep] + ["label"] + extra_names
    try:
        fh = sys.stdout if args.output == "-" else open(args.output, "w", newline="",
                                                        encoding="utf-8")
    except OSError as exc:
        raise CLIError(f"--output {args.output}: cannot write ({exc})") from None
    with fh if args.output != "-" else contextlib.nullcontext(fh):
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        for cells, label, values in zip(kept, labels, extra):
            writer.writerow(cells + [int(label)] + [repr(float(v)) for v in values])


def run_fit(args):
    check_options(args)
    table = read_table(args.file, delimiter=args.delimiter, header=args.header)
    keep = [table.index(c) for c in args.keep or []]  # before the fit: a typo fails fast
    for j in keep:
        if table.names[j] in ("label", "log_density", "distance") or re.fullmatch(
                r"prob_\d+", table.names[j]):
            raise CLIError(f"--keep column {table.names[j]!r} has the name of an --output "
                           "column (label, prob_<j>, log_density, distance): rename it in "
                           "the file")
    special = {}
    for flag, column in (("--n-trials-column", args.n_trials_column),
                         ("--weights-column", args.weights_column)):
        if column is not None:
            special[flag] = table.index(column)
    if args.columns:
        cols = [table.index(c) for c in args.columns]
    else:
        # every column but the trials, the weights and the empty ones (a trailing
        # delimiter on every line makes one)
        cols = [j for j in range(len(table.names))
                if j not in special.values() and not table.empty(j)]
    if not cols:
        raise CLIError("no data columns left to fit")
    try:
        X = table.numbers(cols, missing=args.missing == "em")
    except CLIError as exc:
        if args.columns or "is not a number" not in str(exc):
            raise
        hint = table.delimiter_hint() or "choose the columns to fit with --columns"
        raise CLIError(f"{exc} ({hint})") from None
    used = [table.names[j] for j in cols]
    fit_kw = {}
    if "--weights-column" in special:
        w = table.numbers([special["--weights-column"]], what="weight")[:, 0]
        fit_kw["sample_weight"] = w
    types = args.covariance_type or ["full"]
    k = args.k[0]
    est = _estimator(args, k, types)
    if args.model == "binomial":
        if "--n-trials-column" in special:
            fit_kw["n_trials"] = table.numbers([special["--n-trials-column"]],
                                               what="number of trials")
        else:
            fit_kw["n_trials"] = args.n_trials
    grid = {"n_components": args.k}
    if args.model == "gmm":
        grid["covariance_type"] = types
    selecting = len(args.k) > 1 or len(types) > 1
    # progress goes to stderr, so that --json output stays clean
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if selecting:
                import fastem

                selection = fastem.ModelSelection(est, grid, criterion=args.criterion)
                est = selection.fit(X, **fit_kw).best_estimator_
            else:
                est.fit(X, **fit_kw)
        except (ValueError, TypeError) as exc:
            raise CLIError(str(exc)) from None
    for w in caught:
        # one line per warning on the command line (a message's lines joined)
        print(f"fastem: warning: {' '.join(str(w.message).split())}", file=sys.stderr)
    k = est.n_components if args.model != "kmeans" else k
    if args.output:
        try:
            _write_rows(args, table, keep, est, X, fit_kw)
        except (ValueError, TypeError) as exc:
            raise CLIError(str(exc)) from None
    # with the rows on standard output, the report goes to standard error
    out = sys.stderr if args.output == "-" else sys.stdout
    with contextlib.redirect_stdout(out):
        return _report(args, est, X, used, k, selection if selecting else None, grid,
                       fit_kw.get("sample_weight"))


def _report(args, est, X, used, k, selection, grid, sample_weight=None):
    from ..gaussian_mixture import component_covariance

    report = {"model": type(est).__name__, "file": args.file, "n_samples": int(X.shape[0]),
              "columns": used, "n_components": k, "n_iter": int(est.n_iter_),
              "converged": bool(est.converged_), "backend": est.backend_}
    if args.model == "kmeans":
        report["inertia"] = est.inertia_
        report["cluster_centers"] = est.cluster_centers_.tolist()
        report["cluster_sizes"] = np.bincount(est.labels_, minlength=k).tolist()
    elif args.model == "gmm":
        report.update(covariance_type=est.covariance_type,
                      mean_log_likelihood=est.lower_bound_,
                      # weighted as the fit and the criterion table are
                      bic=est.bic(X, sample_weight=sample_weight),
                      weights=est.weights_.tolist(), means=est.means_.tolist(),
                      covariances=est.covariances_.tolist())
    else:
        report.update(mean_log_likelihood=est.lower_bound_, weights=est.weights_.tolist(),
                      probs=np.atleast_2d(est.probs_.T).T.tolist())
    if selection is not None:
        report["selection"] = _selection_report(selection, list(grid))
    if args.json:
        print(json.dumps(_json_safe(report), indent=2, allow_nan=False))
        return 0
    if selection is not None:
        _print_selection(selection, grid, args.criterion)
    print(f"{report['model']} with {k} components on {X.shape[0]} rows of "
          f"{', '.join(used)} ({args.file}), backend {est.backend_}")
    print(f"{'converged' if est.converged_ else 'stopped (not converged)'} after "
          f"{est.n_iter_} iterations")
    # one column per value, as wide as its full name: names are never cut
    if args.model == "kmeans":
        print(f"inertia {est.inertia_:.6g}\n")
        sizes = [str(s) for s in report["cluster_sizes"]]
        _print_columns(used + ["size"], [list(c) + [s] for c, s in
                                         zip(est.cluster_centers_, sizes)])
    elif args.model == "gmm":
        print(f"mean log-likelihood {est.lower_bound_:.6g}, BIC {report['bic']:.6g}\n")
        rows = []
        for j in range(k):
            var = np.diag(component_covariance(est.covariances_, est.covariance_type, j,
                                               len(used)))
            rows.append([est.weights_[j], *est.means_[j], *np.sqrt(var)])
        _print_columns(["weight"] + [f"mean {n}" for n in used] + [f"sd {n}" for n in used],
                       rows)
    else:
        print(f"mean log-likelihood {est.lower_bound_:.6g}\n")
        probs = np.reshape(est.probs_, (k, -1))
        _print_columns(["weight"] + [f"p {n}" for n in used],
                       [[est.weights_[j], *probs[j]] for j in range(k)])
    return 0


def _print_columns(names, rows):
    """A table with one row per component; each column as wide as its name (at least
    10), values to 4 significant digits."""
    widths = [max(10, len(n)) for n in names]
    print("component  " + "  ".join(f"{n:>{w}}" for n, w in zip(names, widths)))
    for j, row in enumerate(rows):
        cells = [v if isinstance(v, str) else f"{v:.4g}" for v in row]
        print(f"{j:>9}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths)))
