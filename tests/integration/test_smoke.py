from tests.conftest import World, problem_code


def test_seller_sees_own_shop_and_not_foreign(client, world: World) -> None:
    own = client.get(f"/api/v1/shops/{world.shop_a.id}", headers=world.seller_a.headers)
    assert own.status_code == 200
    assert own.json()["id"] == str(world.shop_a.id)
    foreign = client.get(f"/api/v1/shops/{world.shop_b.id}", headers=world.seller_a.headers)
    assert foreign.status_code == 404
    assert problem_code(foreign) == "not_found"
