"""The machine and software a benchmark ran on: CPU, cores, RAM, load and package versions."""

from __future__ import annotations

import os
import platform
from datetime import datetime

from flo_bayes.runs.manifest import TRACKED_PACKAGES
from flo_bayes.runs.manifest import package_versions as versions_of

# The packages a run's manifest records, and those only the benchmarks use.
PACKAGES = (*TRACKED_PACKAGES, "numba", "lifetimes")


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (``platform.processor()`` elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def total_ram_gib() -> float | None:
    """Physical memory in GiB (``MemTotal``), or None when unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) / 2**20
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        return None


def usable_cores() -> int:
    """CPUs this process may run on (affinity), else ``os.cpu_count()``."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def load_average() -> tuple[float, float, float] | None:
    """1-, 5- and 15-minute load averages, or None where unsupported."""
    try:
        return os.getloadavg()
    except OSError:
        return None


def package_versions() -> dict[str, str]:
    """Installed versions of the packages that shape the figures."""
    return versions_of(PACKAGES)


def describe_machine() -> dict:
    """CPU, cores, RAM, OS, load average now, the date and package versions."""
    ram = total_ram_gib()
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "logical_cpus": os.cpu_count(),
        "ram_gib": None if ram is None else round(ram, 1),
        "platform": platform.platform(),
        "load_average": load_average(),
        "packages": package_versions(),
    }


def busy_warning(load: tuple[float, float, float] | None, cores: int) -> str | None:
    """A warning when other work keeps the CPUs busy (figures would be pessimistic)."""
    if load is None or load[0] <= 0.5 * cores:
        return None
    return (
        f"the machine is busy (1-min load average {load[0]:.1f} on {cores} cores): "
        "times will be slower than on a quiet machine"
    )
