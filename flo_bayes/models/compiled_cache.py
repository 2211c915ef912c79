"""Log-densities compiled once per install and reused by every later process (prototype).

Why: through PyTensor, nutpie compiles each model's log-density and gradient with numba in
every process (the cfunc wrapper cannot be cached, and the likelihood graph bakes the data
in as constants), which costs seconds per fit even with PyTensor's own numba cache warm.

Here the two posteriors are written directly as numba functions with ``cache=True``. The data
(the grouped arrays of :mod:`flo_bayes.models.fast_bgnbd` and the Gamma-Gamma sums) are
*arguments*, so one compiled function serves every data set: numba stores its machine code on
disk the first time and later processes load it, keyed by this file's source stamp, the
function's signature, the CPU and numba's version (numba invalidates the entry when any of
these change). The directory is numba's: ``NUMBA_CACHE_DIR`` if set, else ``__pycache__``
beside this file, else a user-wide cache directory when the package folder is read-only.

The sampler is nutpie's ``from_pyfunc`` interface: nutpie's NUTS calls ``logp(x) ->
(value, gradient)`` on the unconstrained point ``x = log(parameters)``. The densities equal
PyMC's for the same model up to an additive constant:

- every parameter has a log-normal prior, so on the log scale its density (Jacobian included)
  is the normal density ``N(log θ; log median, log_sd)``;
- the likelihoods are the grouped BG/NBD likelihood (Fader, Hardie & Lee 2005, eq. 6, grouped
  as in :func:`flo_bayes.models.fast_bgnbd.bgnbd_total_loglike`) and the Gamma-Gamma
  mean-spend likelihood (Fader, Hardie & Lee 2005, "RFM and CLV", eq. 1-4, as in
  :func:`flo_bayes.models.fast_gamma_gamma.gamma_gamma_total_loglike`);
- gradients are analytic (digamma by recurrence and the asymptotic series).

Tests check the values against the PyTensor graphs and the gradients against finite
differences.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from flo_bayes.models.grouping import distinct_values

BGNBD_ORDER = ("r", "alpha", "a", "b")
GAMMA_GAMMA_ORDER = ("p", "q", "v")
_LOG_2PI = math.log(2.0 * math.pi)


@numba.njit(cache=True, nogil=True, fastmath=False)
def _digamma(x: float) -> float:
    """ψ(x) for x > 0: recurrence up to x >= 6, then the asymptotic series (error < 1e-13)."""
    result = 0.0
    while x < 6.0:
        result -= 1.0 / x
        x += 1.0
    inv = 1.0 / x
    inv2 = inv * inv
    series = inv2 * (
        1.0 / 12.0
        - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0)))
    )
    return result + math.log(x) - 0.5 * inv - series


@numba.njit(cache=True, nogil=True)
def _log_normal_prior(theta, mu, sigma, grad):
    """Σ log N(θ_i; μ_i, σ_i) on the log scale; adds its gradient into ``grad``."""
    total = 0.0
    for i in range(theta.size):
        z = (theta[i] - mu[i]) / sigma[i]
        total -= 0.5 * z * z + math.log(sigma[i]) + 0.5 * _LOG_2PI
        grad[i] -= z / sigma[i]
    return total


@numba.njit(cache=True, nogil=True)
def bgnbd_logp_grad(
    theta,
    prior_mu,
    prior_sigma,
    x_values,
    x_counts,
    t_x_values,
    t_x_counts,
    t_x_x_sums,
    T_values,
    T_zero_counts,
    triple_x,
    triple_t_x,
    triple_T,
    triple_counts,
    n_customers,
):
    """BG/NBD log posterior (up to a constant) and its gradient at ``theta = log(r, α, a, b)``.

    Parameters
    ----------
    theta : numpy.ndarray
        ``log r, log alpha, log a, log b``.
    prior_mu, prior_sigma : numpy.ndarray
        Log-normal priors: log medians and sds of the logs, same order.
    x_values, x_counts, t_x_values, t_x_counts, t_x_x_sums, T_values, T_zero_counts : ndarray
        The fields of :class:`flo_bayes.models.fast_bgnbd.DistinctValues` of the same names.
    triple_x, triple_t_x, triple_T, triple_counts : numpy.ndarray
        The distinct (x, t_x, T) triples with x > 0 (indices) and their counts.
    n_customers : float
        Number of customers.

    Returns
    -------
    (float, numpy.ndarray)
        The log density and its gradient with respect to ``theta``.

    """
    r = math.exp(theta[0])
    alpha = math.exp(theta[1])
    a = math.exp(theta[2])
    b = math.exp(theta[3])
    d_r = 0.0
    d_alpha = 0.0
    d_a = 0.0
    d_b = 0.0
    log_alpha = math.log(alpha)
    lg_r = math.lgamma(r)
    lg_b = math.lgamma(b)
    lg_ab = math.lgamma(a + b)
    psi_r = _digamma(r)
    psi_b = _digamma(b)
    psi_ab = _digamma(a + b)

    total = n_customers * r * log_alpha
    d_r += n_customers * log_alpha
    d_alpha += n_customers * r / alpha
    for i in range(x_values.size):
        xv = x_values[i]
        c = x_counts[i]
        total += c * (
            math.lgamma(r + xv)
            - lg_r
            + lg_ab
            + math.lgamma(b + xv)
            - lg_b
            - math.lgamma(a + b + xv)
        )
        psi_abx = _digamma(a + b + xv)
        d_r += c * (_digamma(r + xv) - psi_r)
        d_a += c * (psi_ab - psi_abx)
        d_b += c * (psi_ab + _digamma(b + xv) - psi_b - psi_abx)

    log_alpha_t_x = np.empty(t_x_values.size)
    inv_alpha_t_x = np.empty(t_x_values.size)
    for i in range(t_x_values.size):
        s = alpha + t_x_values[i]
        log_alpha_t_x[i] = math.log(s)
        inv_alpha_t_x[i] = 1.0 / s
        weight = r * t_x_counts[i] + t_x_x_sums[i]
        total -= weight * log_alpha_t_x[i]
        d_r -= t_x_counts[i] * log_alpha_t_x[i]
        d_alpha -= weight * inv_alpha_t_x[i]

    log_alpha_T = np.empty(T_values.size)
    inv_alpha_T = np.empty(T_values.size)
    for i in range(T_values.size):
        s = alpha + T_values[i]
        log_alpha_T[i] = math.log(s)
        inv_alpha_T[i] = 1.0 / s
        c = T_zero_counts[i]
        if c != 0.0:
            total += c * r * (log_alpha - log_alpha_T[i])
            d_r += c * (log_alpha - log_alpha_T[i])
            d_alpha += c * r * (1.0 / alpha - inv_alpha_T[i])

    # log c4 = log a − log(b + x − 1) and 1 / (b + x − 1) depend on x only.
    log_a = math.log(a)
    log_c4_x = np.empty(x_values.size)
    inv_b_x = np.empty(x_values.size)
    for i in range(x_values.size):
        s = b + x_values[i] - 1.0
        log_c4_x[i] = log_a - math.log(s) if s > 0.0 else 0.0
        inv_b_x[i] = 1.0 / s if s > 0.0 else 0.0
    for k in range(triple_counts.size):
        i = triple_x[k]
        xv = x_values[i]
        j = triple_t_x[k]
        m = triple_T[k]
        w = triple_counts[k]
        diff_log = log_alpha_t_x[j] - log_alpha_T[m]
        log_c3 = (r + xv) * diff_log
        log_c4 = log_c4_x[i]
        # logaddexp and the softmax weight of the c3 term, stably.
        if log_c3 > log_c4:
            e = math.exp(log_c4 - log_c3)
            total += w * (log_c3 + math.log1p(e))
            s3 = 1.0 / (1.0 + e)
        else:
            e = math.exp(log_c3 - log_c4)
            total += w * (log_c4 + math.log1p(e))
            s3 = e / (1.0 + e)
        s4 = 1.0 - s3
        d_r += w * s3 * diff_log
        d_alpha += w * s3 * (r + xv) * (inv_alpha_t_x[j] - inv_alpha_T[m])
        d_a += w * s4 / a
        d_b -= w * s4 * inv_b_x[i]

    grad = np.empty(4)
    # Chain rule to the log scale: d/dlog θ = θ d/dθ.
    grad[0] = d_r * r
    grad[1] = d_alpha * alpha
    grad[2] = d_a * a
    grad[3] = d_b * b
    total += _log_normal_prior(theta, prior_mu, prior_sigma, grad)
    return total, grad


@numba.njit(cache=True, nogil=True)
def gamma_gamma_logp_grad(
    theta,
    prior_mu,
    prior_sigma,
    n_values,
    n_counts,
    nz,
    n,
    sum_log_z,
    linear_p,
):
    """Gamma-Gamma log posterior (up to a constant) and gradient at ``theta = log(p, q, v)``.

    Parameters
    ----------
    theta : numpy.ndarray
        ``log p, log q, log v``.
    prior_mu, prior_sigma : numpy.ndarray
        Log-normal priors, same order.
    n_values, n_counts : numpy.ndarray
        Distinct purchase counts and their number of customers.
    nz, n : numpy.ndarray
        Per customer: total spend ``n z`` and purchases ``n``.
    sum_log_z : float
        ``Σ log z`` over customers.
    linear_p : float
        ``Σ n log z + Σ n log n``: the data constant multiplying p.

    Returns
    -------
    (float, numpy.ndarray)

    """
    p = math.exp(theta[0])
    q = math.exp(theta[1])
    v = math.exp(theta[2])
    customers = n.size
    total = -customers * math.lgamma(q) + customers * q * math.log(v) + p * linear_p - sum_log_z
    d_p = linear_p
    d_q = -customers * _digamma(q) + customers * math.log(v)
    d_v = customers * q / v
    for i in range(n_values.size):
        pn = p * n_values[i]
        c = n_counts[i]
        total += c * (math.lgamma(pn + q) - math.lgamma(pn))
        psi_pnq = _digamma(pn + q)
        d_p += c * n_values[i] * (psi_pnq - _digamma(pn))
        d_q += c * psi_pnq
    for i in range(n.size):
        s = nz[i] + v
        log_s = math.log(s)
        weight = p * n[i] + q
        total -= weight * log_s
        d_p -= n[i] * log_s
        d_q -= log_s
        d_v -= weight / s
    grad = np.empty(3)
    grad[0] = d_p * p
    grad[1] = d_q * q
    grad[2] = d_v * v
    total += _log_normal_prior(theta, prior_mu, prior_sigma, grad)
    return total, grad


@dataclass(frozen=True)
class CompiledPosterior:
    """A log posterior on ``log θ`` with its data bound: what nutpie's ``from_pyfunc`` needs.

    Attributes
    ----------
    kind : str
        ``"bgnbd"`` or ``"gamma_gamma"``.
    names : tuple of str
        Parameter names in the order of the unconstrained vector.
    prior_mu, prior_sigma : numpy.ndarray
        Log medians and log sds of the log-normal priors.
    arrays : tuple
        The data arguments after ``theta, prior_mu, prior_sigma``.

    """

    kind: str
    names: tuple[str, ...]
    prior_mu: np.ndarray
    prior_sigma: np.ndarray
    arrays: tuple

    def logp_grad(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """The log density and gradient at ``theta`` (log parameters)."""
        kernel = bgnbd_logp_grad if self.kind == "bgnbd" else gamma_gamma_logp_grad
        return kernel(
            np.ascontiguousarray(theta, dtype=np.float64),
            self.prior_mu,
            self.prior_sigma,
            *self.arrays,
        )


def _priors(names: tuple[str, ...], priors: dict) -> tuple[np.ndarray, np.ndarray]:
    # ``priors`` maps names to objects with ``median`` and ``log_sd`` (ResolvedPrior).
    mu = np.array([math.log(priors[name].median) for name in names])
    sigma = np.array([float(priors[name].log_sd) for name in names])
    return mu, sigma


def bgnbd_posterior(
    x: np.ndarray, t_x: np.ndarray, T: np.ndarray, priors: dict
) -> CompiledPosterior:
    """Bind FLO/CDNOW-style customer statistics to the compiled BG/NBD posterior.

    Parameters
    ----------
    x, t_x, T : numpy.ndarray
        Repeat purchases, recency and age per customer (model time unit).
    priors : dict
        ``r, alpha, a, b`` to objects with ``median`` and ``log_sd``
        (:class:`flo_bayes.models.priors.ResolvedPrior`).

    Returns
    -------
    CompiledPosterior

    """
    g = distinct_values(x, t_x, T)
    mu, sigma = _priors(BGNBD_ORDER, priors)
    arrays = (
        g.x_values,
        g.x_counts,
        g.t_x_values,
        g.t_x_counts,
        g.t_x_x_sums,
        g.T_values,
        g.T_zero_counts,
        g.triple_x,
        g.triple_t_x,
        g.triple_T,
        g.triple_counts,
        float(g.n_customers),
    )
    return CompiledPosterior("bgnbd", BGNBD_ORDER, mu, sigma, arrays)


def gamma_gamma_posterior(n: np.ndarray, z: np.ndarray, priors: dict) -> CompiledPosterior:
    """Bind purchase counts ``n > 0`` and mean spends ``z > 0`` to the Gamma-Gamma posterior.

    Parameters
    ----------
    n, z : numpy.ndarray
        Purchases each mean spend averages over, and the mean spend per purchase.
    priors : dict
        ``p, q, v`` to objects with ``median`` and ``log_sd``.

    Returns
    -------
    CompiledPosterior

    """
    n = np.ascontiguousarray(n, dtype=np.float64)
    z = np.ascontiguousarray(z, dtype=np.float64)
    n_values, n_counts = np.unique(n, return_counts=True)
    linear_p = float(np.sum(n * np.log(z)) + np.sum(n * np.log(n)))
    arrays = (
        n_values,
        n_counts.astype(np.float64),
        n * z,
        n,
        float(np.sum(np.log(z))),
        linear_p,
    )
    mu, sigma = _priors(GAMMA_GAMMA_ORDER, priors)
    return CompiledPosterior("gamma_gamma", GAMMA_GAMMA_ORDER, mu, sigma, arrays)


def nutpie_model(posterior: CompiledPosterior):
    """The posterior as a nutpie compiled model (``nutpie.from_pyfunc``), no PyTensor involved.

    The trace holds the parameters on their natural scale under their own names (``r``,
    ``alpha``, ...), as pymc-marketing's posteriors do. Initial points are the prior medians
    with a U(-1, 1) jitter on the log scale per chain, like PyMC's default initialisation.

    Parameters
    ----------
    posterior : CompiledPosterior
        From :func:`bgnbd_posterior` or :func:`gamma_gamma_posterior`.

    Returns
    -------
    nutpie.compiled_pyfunc.PyFuncModel

    """
    from nutpie.compiled_pyfunc import from_pyfunc

    names = list(posterior.names)
    dim = len(names)

    def make_logp_fn():
        def logp(x, **_shared):
            value, grad = posterior.logp_grad(x)
            return float(value), grad

        return logp

    def make_expand_fn(_seed1, _seed2, _chain):
        def expand(x, **_shared):
            return {name: np.asarray(math.exp(x[i])) for i, name in enumerate(names)}

        return expand

    def initial_point(seed):
        rng = np.random.default_rng(seed)
        return posterior.prior_mu + rng.uniform(-1.0, 1.0, size=dim)

    return from_pyfunc(
        ndim=dim,
        make_logp_fn=make_logp_fn,
        make_expand_fn=make_expand_fn,
        expanded_dtypes=[np.dtype("float64")] * dim,
        expanded_shapes=[()] * dim,
        expanded_names=names,
        make_initial_point_fn=initial_point,
    )


def sample_posterior(
    posterior: CompiledPosterior,
    *,
    chains: int,
    draws: int,
    tune: int,
    cores: int,
    seed: int,
    target_accept: float = 0.8,
    adaptation: str = "low_rank",
):
    """Run nutpie's NUTS on a compiled posterior.

    Parameters
    ----------
    posterior : CompiledPosterior
        From :func:`bgnbd_posterior` or :func:`gamma_gamma_posterior`.
    chains, draws, tune, cores, seed, target_accept
        As :class:`flo_bayes.config.SamplerSettings` (draws and tune per chain).
    adaptation : str
        nutpie's mass-matrix adaptation (``"low_rank"`` or ``"diag"``).

    Returns
    -------
    xarray.DataTree
        nutpie's trace: ``posterior`` (parameters by name, dims chain, draw) and
        ``sample_stats`` (divergences, energy, tree depth) for the convergence gate.

    """
    import nutpie

    return nutpie.sample(
        nutpie_model(posterior),
        chains=chains,
        draws=draws,
        tune=tune,
        cores=cores,
        seed=seed,
        target_accept=target_accept,
        adaptation=adaptation,
        progress_bar=False,
    )
