"""One MongoClient per service process, shared by every extension that needs the store."""
import pymongo
from nameko.extensions import SharedExtension

from chassis.config import settings_from


def connect(uri):
    # Short selection timeout: a store outage must surface as a quick 503, not a hang.
    return pymongo.MongoClient(
        uri, serverSelectionTimeoutMS=3000, connectTimeoutMS=3000, socketTimeoutMS=15000,
        maxPoolSize=50,
    )


class MongoClientProvider(SharedExtension):
    """Connects lazily: nameko sets extensions up in no fixed order, so whoever asks first
    (a store, a consumer) opens the client. pymongo connects in the background anyway."""

    _client = None

    @property
    def client(self):
        if self._client is None:
            self._client = connect(settings_from(self.container.config).mongo_uri)
        return self._client

    def database(self, service_name=None):
        settings = settings_from(self.container.config)
        return self.client[settings.database_name(service_name or self.container.service_name)]

    def ping(self):
        self.client.admin.command("ping")

    def stop(self):
        if self._client is not None:
            self._client.close()
            self._client = None

    def kill(self):
        self.stop()
