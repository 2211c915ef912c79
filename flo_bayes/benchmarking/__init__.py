"""Benchmark harness: our pipeline against pymc-marketing's defaults (issue 7).

Every workload runs in a fresh Python process, so the memory of one never pollutes another.
Importing this package does no work; the modules, one job each:

* :mod:`~flo_bayes.benchmarking.cli` -- command-line options and the run (``scripts/benchmark.py``);
* :mod:`~flo_bayes.benchmarking.plan` -- which workloads run, with which sizes (full or quick);
* :mod:`~flo_bayes.benchmarking.runner` -- start one workload in a subprocess and collect its result;
* :mod:`~flo_bayes.benchmarking.process_tree` -- sample the memory of a process and its children;
* :mod:`~flo_bayes.benchmarking.worker` -- the subprocess entry
  (``python -m flo_bayes.benchmarking.worker NAME JSON``);
* :mod:`~flo_bayes.benchmarking.measure` -- clocks and peak memory inside the subprocess;
* :mod:`~flo_bayes.benchmarking.inputs` -- simulated inputs (FLO CSV, scoring summaries);
* :mod:`~flo_bayes.benchmarking.pipeline_run` -- our end-to-end pipeline (FLO 20k, 1M customers);
* :mod:`~flo_bayes.benchmarking.cdnow_fits` -- both CDNOW fits, cold and warm;
* :mod:`~flo_bayes.benchmarking.baseline` -- pymc-marketing 1.3 with its defaults;
* :mod:`~flo_bayes.benchmarking.lifetimes_recipe` -- the frequentist ``lifetimes`` recipe;
* :mod:`~flo_bayes.benchmarking.scoring_scale` -- ``score_customers`` alone at one size;
* :mod:`~flo_bayes.benchmarking.targets` -- ratios and the issue's targets, met or missed;
* :mod:`~flo_bayes.benchmarking.machine` -- CPU, cores, RAM, load and package versions;
* :mod:`~flo_bayes.benchmarking.report` -- console tables and ``BENCHMARKS.md``.
"""
