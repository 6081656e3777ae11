"""The baseline for gateway reads: a bare nameko @http endpoint doing the same single store
read as GET /v1/residents/{id}, without auth, RPC or masking."""
import json

from nameko.web.handlers import http

from chassis.mongo import MongoClientProvider
from nameko.extensions import DependencyProvider


class Residents(DependencyProvider):
    mongo = MongoClientProvider()

    def get_dependency(self, worker_ctx):
        return self.mongo.database("residents")["residents"]


class BareService:
    name = "bare"
    residents = Residents()

    @http("GET", "/bare/residents/<string:resident_id>")
    def get_resident(self, request, resident_id):
        document = self.residents.find_one({"_id": resident_id})
        return json.dumps(document, ensure_ascii=False)

    @http("GET", "/health/ready")
    def ready(self, request):
        return "ready"
