"""Push: make the target platform hold what the hub says for every listed product.

Only changed products are written: a product's desired state is hashed over the fields the
integration writes and compared with what was last pushed; edits made on the target itself are
noticed by comparing the target's own copy with how it looked after our last write, and are
overwritten (the home base wins) with a line in the log saying so.

A ``Pusher`` can push a pass's products in several steps (page by page while the home base is
still being read) at the cost of one push: the target is read once, and, on the real clock, the
writes go out from one background thread (``_Writer``) so that waiting on the platform's rate
limits and bulk imports overlaps the hub work of the next page. Every write's bindings are saved
by the engine's thread as soon as the write is back, before the next page is worked on.
"""

from integrations.engine.push.items import _barcode_key, _label, _Pushed
from integrations.engine.push.pusher import CHUNK, Pusher, push_listed
from integrations.engine.push.results import _save_results, target_product_remove
from integrations.engine.push.writer import WRITER_IN_FLIGHT, WRITER_QUEUE, _placement, _Writer

__all__ = ["CHUNK", "WRITER_IN_FLIGHT", "WRITER_QUEUE", "Pusher", "_Pushed", "_Writer", "_barcode_key", "_label",
           "_placement", "_save_results", "push_listed", "target_product_remove"]
