"""The public surface: every loss once, under its own name, and no module shadowed by a loss."""

import pkgutil

import lossref

NON_LOSS_API = {
    "Curve",
    "Difference",
    "GradcheckResult",
    "Loss",
    "catalog",
    "get",
    "gradcheck",
    "numerical_gradient",
}


def test_all_is_the_registry_plus_the_non_loss_api():
    names = {loss.name for loss in lossref.catalog()}
    assert len(lossref.__all__) == len(set(lossref.__all__)), "a name listed twice"
    assert set(lossref.__all__) == names | NON_LOSS_API


def test_every_public_loss_name_is_the_registered_loss():
    for loss in lossref.catalog():
        assert getattr(lossref, loss.name) is loss


def test_no_public_module_is_named_like_a_loss():
    # a public module named like a loss (lossref.contrastive) made `::: lossref.<name>` render
    # the module on the loss's page; family modules are private
    modules = {m.name for m in pkgutil.iter_modules(lossref.__path__) if not m.name.startswith("_")}
    assert modules, "lossref has public modules (plotting, examples)"
    assert not modules & {loss.name for loss in lossref.catalog()}
