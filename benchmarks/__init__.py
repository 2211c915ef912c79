"""Benchmark harness: our pipeline against pymc-marketing's defaults (issue 7).

Every workload runs in a fresh Python process, so the memory of one never pollutes another.
Importing this package does no work; the modules, one job each:

* :mod:`~benchmarks.cli` -- command-line options and the run (``scripts/benchmark.py``);
* :mod:`~benchmarks.plan` -- which workloads run, with which sizes (full or quick);
* :mod:`~benchmarks.runner` -- start one workload in a subprocess and collect its result;
* :mod:`~benchmarks.process_tree` -- sample the memory of a process and its children;
* :mod:`~benchmarks.worker` -- the subprocess entry
  (``python -m benchmarks.worker NAME JSON``);
* :mod:`~benchmarks.measure` -- clocks and peak memory inside the subprocess;
* :mod:`~benchmarks.inputs` -- simulated inputs (FLO CSV, scoring summaries);
* :mod:`~benchmarks.pipeline_run` -- our end-to-end pipeline (FLO 20k, 1M customers);
* :mod:`~benchmarks.cdnow_fits` -- both CDNOW fits, cold and warm;
* :mod:`~benchmarks.baseline` -- pymc-marketing 1.3 with its defaults;
* :mod:`~benchmarks.lifetimes_recipe` -- the frequentist ``lifetimes`` recipe;
* :mod:`~benchmarks.scoring_scale` -- ``score_customers`` alone at one size;
* :mod:`~benchmarks.targets` -- ratios and the issue's targets, met or missed;
* :mod:`~benchmarks.machine` -- CPU, cores, RAM, load and package versions;
* :mod:`~benchmarks.report` -- console tables and ``BENCHMARKS.md``.
"""
