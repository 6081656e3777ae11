"""A council process killed (SIGKILL) while supports are in flight loses and doubles
nothing: every resident, retrying, finds their support either stored (409) or not (201), the
count is exactly the residents, and every stored support's event still reaches the metrics."""
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.deliberation_world import World
from tests.infra import wait_until

pytestmark = pytest.mark.integration


def test_supports_survive_a_killed_council(platform, gateway_url):
    world = World(gateway_url, residents_in_a=40, residents_in_b=0)
    proposal = world.proposal(world.deliberation({"households_pct": 50}))

    def support(resident):
        try:
            return world.support(proposal, resident).status_code
        except Exception:  # the connection went with the process
            return None

    answered, killed = [], []

    def first_support(resident):
        if killed:  # not sent: each would only wait out the RPC bound (504)
            return None
        status = support(resident)
        answered.append(status)
        return status

    with ThreadPoolExecutor(4) as pool:
        first = pool.map(first_support, world.residents_a)
        wait_until(lambda: answered.count(201) >= 10, what="some supports answered")
        platform.stop("council", sig=signal.SIGKILL)  # while the next ones are in flight
        killed.append(True)
        first = list(first)
    platform.start("council")
    retried = [support(resident) for resident in world.residents_a]
    assert all(status in (201, 409) for status in retried), retried
    stored_before = sum(status == 201 for status in first)
    assert retried.count(409) >= stored_before  # none of the answered supports was lost
    seen = world.get(f"/v1/proposals/{proposal['id']}")
    assert seen["supports"] == 40 and seen["reached_threshold"] is True
    print(f"\nkilled council: {stored_before} supports answered 201 before the kill, "
          f"{retried.count(409)} found stored on retry, {retried.count(201)} made on retry")
    again = [support(resident) for resident in world.residents_a[:5]]
    assert again == [409] * 5
    wait_until(lambda: world.get("/v1/metrics/summary")["supports"] == 40, timeout=20,
               what="every stored support's event counted")
