"""The API's list of rehabilitation plans (and of their goals) costs the same number of queries whatever the
number of plans, goals and actions it shows: before, every plan asked for its goals and reviews, and every goal for
its plan, its institution and its actions (a page of 50 plans with five goals each: ~850 queries)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nicat.assistance import services
from nicat.core.calendar import baku_today


def _plan_with(world, goals, actions_each):
    plan = services.create_plan(actor=world.cast.worker, case=world.adult())
    for g in range(goals):
        goal = services.add_goal(actor=world.cast.worker, plan=plan, area=("medical" if g % 2 else "legal"),
                                 description=f"Goal {g}", responsible_institution=world.cast.ngo,
                                 due_on=baku_today())
        for a in range(actions_each):
            services.add_action(actor=world.cast.worker, goal=goal, description=f"Action {a}",
                                responsible_institution=world.cast.ngo)
    services.add_review(actor=world.cast.worker, plan=plan, summary="Going well.")
    return plan


def _cost(client, url):
    client.get(url)  # the token's use, recorded once a minute, is not counted
    with CaptureQueriesContext(connection) as queries:
        answer = client.get(url)
    assert answer.status_code == 200
    return answer.json()["results"], len(queries)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/rehabilitation-plans/", "/api/v1/plan-goals/"])
def test_the_list_costs_the_same_for_many_plans_goals_and_actions_as_for_one(world, api, url):
    client = api(world.cast.worker)
    _plan_with(world, goals=1, actions_each=1)
    one, one_queries = _cost(client, url)
    for _ in range(2):
        _plan_with(world, goals=3, actions_each=2)
    many, many_queries = _cost(client, url)
    assert (len(one), len(many)) == ((1, 3) if "plans" in url else (1, 7))
    assert many_queries == one_queries, f"{one_queries} queries for one, {many_queries} for more"
    goals = [g for plan in many for g in plan["goals"]] if "plans" in url else many
    assert sorted(len(g["actions"]) for g in goals) == [1] + [2] * 6
    if "plans" in url:
        assert all(len(plan["reviews"]) == 1 for plan in many)
