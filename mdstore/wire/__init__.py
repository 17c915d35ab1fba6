"""The wire: ``ml_metadata.*`` and ``mdstore.v1.*`` message classes and their encoding.

``from mdstore.wire import mlmd`` gives the MLMD messages (``mlmd.Artifact``,
``mlmd.PutArtifactsRequest``...), ``v1`` mdstore's own. They live in a private
descriptor pool (``messages``), so ``import ml_metadata`` works beside mdstore.
``encoding`` assembles responses from stored message bytes; ``utf8`` checks what
arrives. Nothing here touches a database or gRPC.
"""

from mdstore.wire.messages import (
    MDSTORE_SERVICE,
    MLMD_SERVICE,
    POOL,
    mlmd,
    service_methods,
    v1,
)

__all__ = ["MDSTORE_SERVICE", "MLMD_SERVICE", "POOL", "mlmd", "service_methods", "v1"]
