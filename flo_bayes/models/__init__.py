"""Purchase and spend models: one module per model, each owning its math.

* :mod:`~flo_bayes.models.protocol` -- :class:`PurchaseModel`, :class:`ParameterDraws` and the
  ``(draw, customer)`` array layout;
* :mod:`~flo_bayes.models.registry` -- the models by name (``bgnbd``, ``mbgnbd``, ``pnbd``);
* :mod:`~flo_bayes.models.bgnbd` (with its grouped likelihood in
  :mod:`~flo_bayes.models.fast_bgnbd`), :mod:`~flo_bayes.models.mbgnbd`,
  :mod:`~flo_bayes.models.pnbd` -- the purchase models;
* :mod:`~flo_bayes.models.fast_gamma_gamma` -- the Gamma-Gamma spend model's grouped likelihood;
* :mod:`~flo_bayes.models.comparison` -- PSIS-LOO comparison and the pick rule;
* :mod:`~flo_bayes.models.fitting`, :mod:`~flo_bayes.models.priors` -- NUTS fits and priors.
"""
