"""Indicator routes: the live community summary and its rebuild from the source services."""
from chassis.rpc import BoundedRpcProxy
from gateway import roles
from gateway.api import api
from gateway.schemas import RebuildOut
from services.metrics import schemas as metric_schemas


class MetricsRoutes:
    metrics = BoundedRpcProxy("metrics")

    @api("GET", "/v1/metrics/summary", roles=roles.METRICS_READERS, query=metric_schemas.SummaryQuery,
         answer=metric_schemas.SummaryOut, tag="metrics", summary="Community indicators, live")
    def metrics_summary(self, request):
        return self.metrics.summary(request.query)

    @api("POST", "/v1/metrics/rebuild", roles=(roles.SUBDISTRICT_ADMIN, roles.PLATFORM_ADMIN),
         answer=RebuildOut, tag="metrics",
         summary="Derive the indicators again from the source services")
    def metrics_rebuild(self, request):
        return self.metrics.rebuild()
