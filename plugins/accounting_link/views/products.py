"""The tenant admin's products and services: a list, a new one, an edit (never deleted)."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.view import view_config
from sqlalchemy import select

from core import label_text
from core.forms import choices
from plugins.accounting_link import _
from plugins.accounting_link.forms import ProductForm
from plugins.accounting_link.models import Product
from plugins.accounting_link.permissions import AccountingPermission
from plugins.accounting_link.vat import CLASS_LABELS

LIST = "plugins.accounting_link:templates/products.pt"
FORM = "plugins.accounting_link:templates/product_form.pt"
SAVED = _("Product saved.")
CODE_TAKEN = _("Another product has this code.")
STALE = _("Someone else saved this product meanwhile; check its values and save again.")


@view_config(
    route_name="sales_products", renderer=LIST, permission=AccountingPermission.PRODUCT_MANAGE
)
def products(request: Any) -> dict[str, Any]:
    found = request.db.scalars(select(Product).order_by(Product.active.desc(), Product.code))
    return {"products": list(found), "class_labels": CLASS_LABELS}


def _bind(request: Any, product: Product | None) -> ProductForm:
    form = ProductForm.from_request(request, obj=product)
    if request.method != "POST" and product is not None:
        form.name_fi.data = product.name.get("fi", "")
        form.name_sv.data = product.name.get("sv", "")
        form.name_en.data = product.name.get("en", "")
    form.vat_class.choices = choices(
        (key, label_text(label, request.locale_name)) for key, label in CLASS_LABELS.items()
    )
    return form


def _save(request: Any, form: ProductForm, product: Product | None) -> Product | None:
    if not form.validate():
        return None
    code = form.code.data.strip()
    clash = request.db.scalar(select(Product.id).where(Product.code == code))
    if clash is not None and (product is None or clash != product.id):
        form.code.errors = [CODE_TAKEN]
        return None
    if product is not None and form.version.data not in (None, product.version):
        form.code.errors = [STALE]
        return None
    target = product or Product()
    target.code = code
    target.name = form.names()
    target.unit = form.unit.data.strip()
    target.unit_price = form.unit_price.data
    target.vat_class = form.vat_class.data
    target.active = form.active.data
    if product is None:
        request.db.add(target)
    request.db.flush()
    return target


@view_config(
    route_name="sales_product_new", renderer=FORM, permission=AccountingPermission.PRODUCT_MANAGE
)
def product_new(request: Any) -> Any:
    form = _bind(request, None)
    if request.method == "POST":
        if _save(request, form, None) is not None:
            request.session.flash(request.localizer.translate(SAVED))
            return HTTPSeeOther(request.route_url("sales_products"))
        request.response.status_int = 400
    return {"form": form, "product": None}


@view_config(
    route_name="sales_product", renderer=FORM, permission=AccountingPermission.PRODUCT_MANAGE
)
def product_edit(request: Any) -> Any:
    product = request.db.get(Product, int(request.matchdict["id"]))
    if product is None:
        raise HTTPNotFound()
    form = _bind(request, product)
    if request.method == "POST":
        if _save(request, form, product) is not None:
            request.session.flash(request.localizer.translate(SAVED))
            return HTTPSeeOther(request.route_url("sales_products"))
        request.response.status_int = 400
    return {"form": form, "product": product}
