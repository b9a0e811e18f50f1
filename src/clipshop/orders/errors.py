from clipshop.core.errors import Conflict, DomainError, InvalidInput


class InvalidTransition(Conflict):
    code = "invalid_transition"
    title = "Invalid order transition"


class NotCancellable(Conflict):
    code = "order_not_cancellable"


# -- address changes and order edits (orders/changes.py, orders/edits.py) ---------------------


class OrderNotChangeable(Conflict):
    """Codes: already_shipped, order_not_paid, order_cancelled, order_on_hold."""

    code = "order_not_changeable"
    title = "Order cannot be changed"


class ChangeInProgress(Conflict):
    code = "change_in_progress"


class OrderChanged(Conflict):
    code = "order_changed"


class NotDeliverable(InvalidInput):
    code = "not_deliverable"


class PaymentFailed(DomainError):
    status = 402
    code = "payment_failed"
    title = "Payment failed"


class PaymentUnconfirmed(Conflict):
    code = "payment_unconfirmed"


class InvalidEdit(InvalidInput):
    code = "invalid_edit"


class EditRemovesEverything(Conflict):
    code = "edit_removes_all_items"


class EditPending(Conflict):
    code = "edit_pending"


class EditNotOpen(Conflict):
    code = "edit_not_open"
