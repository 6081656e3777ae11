"""Indicator routes: the live community summary and its rebuild from the source services."""
from chassis.internal_reads import InternalReads
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from gateway.schemas import RebuildOut
from services.metrics import schemas as metric_schemas


class MetricsRoutes:
    metrics = BoundedRpcProxy("metrics")
    metrics_reads = InternalReads("metrics")  # the summary over HTTP, no broker (ADR 0013)

    @api("GET", "/v1/metrics/summary", roles=roles.METRICS_READERS, query=metric_schemas.SummaryQuery,
         answer=metric_schemas.SummaryOut, tag="metrics", summary="Community indicators, live")
    def metrics_summary(self, request):
        if self.metrics_reads.available:
            return self.metrics_reads.get("/internal/metrics/summary", request.query)
        return self.metrics.summary(request.query)  # no GONGZHI_METRICS_URL: over RPC

    @api("POST", "/v1/metrics/rebuild", roles=(roles.SUBDISTRICT_ADMIN, roles.PLATFORM_ADMIN),
         answer=RebuildOut, tag="metrics",
         summary="Derive the indicators again from the source services")
    def metrics_rebuild(self, request):
        return self.metrics.rebuild()
