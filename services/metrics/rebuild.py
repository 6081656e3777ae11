"""Rebuild a tenant's indicators from the source services' data:

    python -m services.metrics.rebuild --tenant hongwei [--tenant other ...]

Prints the summary before and after; they are equal when the live projection was right."""
import argparse
import json

from nameko.standalone.rpc import ClusterRpcProxy

from chassis import context
from chassis.config import Settings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenant", action="append", required=True)
    args = parser.parse_args(argv)
    settings = Settings()
    for tenant in args.tenant:
        data = {}
        context.bind(data, tenant=tenant, actor="metrics-rebuild", roles=["platform_admin"])
        with ClusterRpcProxy({"AMQP_URI": settings.amqp_uri}, context_data=data,
                             timeout=300) as cluster:
            before = cluster.metrics.summary({})
            counts = cluster.metrics.rebuild()
            after = cluster.metrics.summary({})
        for figures in (before, after):
            figures.pop("as_of", None)
        print(json.dumps({"tenant": tenant, "rebuilt": counts, "before": before,
                          "after": after, "equal": before == after}, ensure_ascii=False))


if __name__ == "__main__":
    main()
