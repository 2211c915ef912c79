"""Which workloads run, in which order, with which sizes and arguments.

Two size sets: :data:`FULL` (the figures of issue 7) and :data:`QUICK` (tiny sizes and short
chains, for the smoke test and for trying the harness; its figures say nothing about the
targets). Workloads that need a simulated input get a setup step before them, run in its
own process as well.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

WORKLOAD_GROUPS: tuple[str, ...] = (
    "ours_flo",
    "baseline_flo",
    "lifetimes",
    "cdnow_fits",
    "scale_1m",
    "scoring_scale",
    "scale_10m",
)
"""Names accepted by ``--only`` / ``--skip``, in the order they run."""

CDNOW_ANALYSIS_DATE = "1997-09-30"
FLO_DATA_NAME = "flo_data_20k.csv"
CDNOW_DATA_NAME = "CDNOW_sample.txt"


@dataclass(frozen=True)
class Sampler:
    """Sampler overrides; ``None`` fields keep the config's (ours) or library's (baseline)."""

    chains: int | None = None
    draws: int | None = None
    tune: int | None = None

    def as_overrides(self) -> dict:
        """The non-None fields."""
        return {k: v for k, v in vars(self).items() if v is not None}


@dataclass(frozen=True)
class Sizes:
    """Sizes of every workload."""

    flo_simulated_customers: int | None
    """None: the real FLO file; a number: that many simulated FLO customers instead."""
    scale_customers: int
    scale_keep_draws: int
    scoring_sizes: tuple[int, ...]
    scoring_draws: int
    ours_sampler: Sampler = field(default_factory=Sampler)
    baseline_sampler: Sampler = field(default_factory=lambda: Sampler(chains=4, draws=1000))
    ours_keep_draws: int | None = None
    cdnow_repeats: int = 2
    scale_10m_customers: int = 10_000_000
    scale_10m_keep_draws: int = 20


FULL = Sizes(
    flo_simulated_customers=None,
    scale_customers=1_000_000,
    scale_keep_draws=100,
    scoring_sizes=(20_000, 200_000, 1_000_000),
    scoring_draws=1000,
)
QUICK = Sizes(
    flo_simulated_customers=300,
    scale_customers=2000,
    scale_keep_draws=20,
    scoring_sizes=(2000, 5000, 10_000),
    scoring_draws=100,
    ours_sampler=Sampler(chains=2, draws=100, tune=100),
    baseline_sampler=Sampler(chains=2, draws=100, tune=100),
    ours_keep_draws=20,
    scale_10m_customers=4000,
)


@dataclass(frozen=True)
class Paths:
    """Configs and data the workloads read, and the work directory they write into."""

    flo_config: Path
    flo_data: Path
    cdnow_config: Path
    cdnow_data: Path
    workdir: Path


@dataclass(frozen=True)
class Step:
    """One process to run.

    Attributes
    ----------
    key : str
        Unique name in the results.
    workload : str
        Worker workload name.
    group : str
        The ``--only`` name it belongs to.
    label : str
        What it measures, for tables.
    args : dict
        Workload arguments.
    setup : bool
        A preparation step (its figures are not benchmark results).
    needs : str or None
        Key of the setup step that must succeed first.
    env : dict
        Environment variables set for this process only (e.g. empty compile caches).

    """

    key: str
    workload: str
    group: str
    label: str
    args: dict
    setup: bool = False
    needs: str | None = None
    env: dict = field(default_factory=dict)


def fresh_cache_env(directory: Path) -> dict[str, str]:
    """Environment that points every on-disk compile cache at ``directory`` (empty at first).

    numba (our compiled posteriors and scoring kernels, PyTensor's numba backend) writes to
    ``NUMBA_CACHE_DIR``; PyTensor keeps its own compiled modules under ``compiledir``. A
    process started with an empty ``directory`` is what a user sees on the first run after
    ``pip install``; the next process with the same ``directory`` is a warm run.
    """
    return {
        "NUMBA_CACHE_DIR": str(directory / "numba"),
        "PYTENSOR_FLAGS": f"compiledir={directory / 'pytensor'}",
    }


def repo_root() -> Path:
    """The repository holding the ``flo_bayes`` package (configs/ and ../shared beside it)."""
    import flo_bayes

    return Path(flo_bayes.__file__).resolve().parents[1]


def default_paths(workdir: Path) -> Paths:
    """The repository's configs and ``../shared/data`` beside the repository."""
    root = repo_root()
    shared = root.parent / "shared" / "data"
    return Paths(
        flo_config=root / "configs" / "flo.toml",
        flo_data=shared / FLO_DATA_NAME,
        cdnow_config=root / "configs" / "cdnow.toml",
        cdnow_data=shared / CDNOW_DATA_NAME,
        workdir=workdir,
    )


def with_overrides(
    sizes: Sizes,
    *,
    scale_customers: int | None = None,
    scale_keep_draws: int | None = None,
    scoring_sizes: tuple[int, ...] | None = None,
    scoring_draws: int | None = None,
    ours_sampler: Sampler | None = None,
    baseline_sampler: Sampler | None = None,
) -> Sizes:
    """Sizes with the command line's overrides (None keeps the size set's value)."""
    changes = {
        "scale_customers": scale_customers,
        "scale_keep_draws": scale_keep_draws,
        "scoring_sizes": scoring_sizes,
        "scoring_draws": scoring_draws,
    }
    changes = {k: v for k, v in changes.items() if v is not None}
    if ours_sampler is not None and ours_sampler.as_overrides():
        merged = {**sizes.ours_sampler.as_overrides(), **ours_sampler.as_overrides()}
        changes["ours_sampler"] = Sampler(**merged)
    if baseline_sampler is not None and baseline_sampler.as_overrides():
        merged = {**sizes.baseline_sampler.as_overrides(), **baseline_sampler.as_overrides()}
        changes["baseline_sampler"] = Sampler(**merged)
    return replace(sizes, **changes)


def build_plan(groups: list[str], sizes: Sizes, paths: Paths) -> list[Step]:
    """The steps for the chosen workload groups, setup steps first where needed.

    Parameters
    ----------
    groups : list of str
        Names from :data:`WORKLOAD_GROUPS`.
    sizes : Sizes
        :data:`FULL`, :data:`QUICK` or either with overrides.
    paths : Paths
        Configs, data and the work directory.

    Returns
    -------
    list of Step
        In run order.

    """
    unknown = sorted(set(groups) - set(WORKLOAD_GROUPS))
    if unknown:
        raise ValueError(f"unknown workloads {unknown}; choose from {list(WORKLOAD_GROUPS)}")
    work = paths.workdir
    steps: list[Step] = []
    ours_sampler = sizes.ours_sampler.as_overrides()

    flo_data, flo_needs, flo_label = str(paths.flo_data), None, f"FLO {FLO_DATA_NAME}"
    flo_users = {"ours_flo", "baseline_flo", "lifetimes"} & set(groups)
    if sizes.flo_simulated_customers and flo_users:
        n = sizes.flo_simulated_customers
        flo_data = str(work / f"flo_simulated_{n}.csv")
        flo_needs = "setup_flo_small"
        flo_label = f"{n:,} simulated FLO customers"
        steps.append(
            Step(
                flo_needs,
                "simulate_flo_csv",
                "setup",
                f"simulate {n:,} FLO customers",
                {"path": flo_data, "customers": n, "seed": 42},
                setup=True,
            )
        )
    flo_args = {"config_path": str(paths.flo_config), "data_path": flo_data}

    if "ours_flo" in groups:
        # Issue 19: the first run after installing (empty compile caches), then a warm run
        # reading the caches the first one wrote; both through the same pipeline.
        caches = fresh_cache_env(work / "fresh_caches")
        for key, when in (
            ("ours_flo_first", "first run, empty compile caches"),
            ("ours_flo", "warm"),
        ):
            steps.append(
                Step(
                    key,
                    "ours_flo",
                    "ours_flo",
                    f"ours: end to end, {flo_label} (configs/flo.toml), {when}",
                    {
                        **flo_args,
                        "out_dir": str(work / key),
                        "label": "flo",
                        "sampler": ours_sampler,
                        "keep_draws": sizes.ours_keep_draws,
                        # The warm run is profiled (where the time goes, for missed targets).
                        "profile": key == "ours_flo",
                    },
                    needs=flo_needs,
                    env=caches,
                )
            )
    if "baseline_flo" in groups:
        steps.append(
            Step(
                "baseline_flo",
                "baseline_flo",
                "baseline_flo",
                f"pymc-marketing defaults: 2 fits + expected CLTV, {flo_label}",
                {**flo_args, **sizes.baseline_sampler.as_overrides(), "future_t": 6},
                needs=flo_needs,
            )
        )
    if "lifetimes" in groups:
        steps.append(
            Step(
                "lifetimes",
                "lifetimes",
                "lifetimes",
                f"lifetimes recipe (penalised ML), {flo_label}",
                {**flo_args, "future_t": 6},
                needs=flo_needs,
            )
        )
    if "cdnow_fits" in groups:
        steps.append(
            Step(
                "cdnow_fits",
                "cdnow_fits",
                "cdnow_fits",
                f"ours: both CDNOW fits, {sizes.cdnow_repeats}x in one process",
                {
                    "config_path": str(paths.cdnow_config),
                    "data_path": str(paths.cdnow_data),
                    "analysis_date": CDNOW_ANALYSIS_DATE,
                    "repeats": sizes.cdnow_repeats,
                    "sampler": ours_sampler,
                },
            )
        )
    if "scale_1m" in groups:
        steps += _scale_steps(
            "scale_1m", sizes.scale_customers, sizes.scale_keep_draws, sizes, work, seed=20210601
        )
    if "scoring_scale" in groups:
        from benchmarks.inputs import scoring_input_path

        steps.append(
            Step(
                "setup_scoring",
                "scoring_inputs",
                "setup",
                f"simulate {max(sizes.scoring_sizes):,} customers and their summaries",
                {"dir": str(work), "sizes": list(sizes.scoring_sizes), "seed": 7},
                setup=True,
            )
        )
        for n in sorted(set(sizes.scoring_sizes)):
            steps.append(
                Step(
                    f"scoring_{n}",
                    "scoring",
                    "scoring_scale",
                    f"ours: score_customers alone, {n:,} customers x {sizes.scoring_draws:,} draws",
                    {
                        "summary_path": str(scoring_input_path(work, n)),
                        "config_path": str(paths.flo_config),
                        "draws": sizes.scoring_draws,
                        "keep_draws": 0,
                    },
                    needs="setup_scoring",
                )
            )
    if "scale_10m" in groups:
        steps += _scale_steps(
            "scale_10m",
            sizes.scale_10m_customers,
            min(sizes.scale_10m_keep_draws, sizes.scale_keep_draws),
            sizes,
            work,
            seed=20210602,
        )
    return steps


def _scale_steps(
    key: str, n: int, keep_draws: int, sizes: Sizes, work: Path, *, seed: int
) -> list[Step]:
    """Simulate ``n`` FLO customers, then run the pipeline on them with the default config."""
    csv = str(work / f"flo_simulated_{n}.csv")
    setup = f"setup_{key}"
    return [
        Step(
            setup,
            "simulate_flo_csv",
            "setup",
            f"simulate {n:,} FLO customers",
            {"path": csv, "customers": n, "seed": seed},
            setup=True,
        ),
        Step(
            key,
            "scale_1m",
            key,
            f"ours: end to end, {n:,} simulated FLO customers (default config, "
            f"keep_draws {keep_draws})",
            {
                "config_path": None,
                "data_path": csv,
                "data_format": "flo",
                "out_dir": str(work / key),
                "label": "scale",
                "sampler": sizes.ours_sampler.as_overrides(),
                "keep_draws": keep_draws,
                "profile": True,
            },
            needs=setup,
        ),
    ]
