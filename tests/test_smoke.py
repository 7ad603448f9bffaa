def test_register_create_invite_accept(make_user, make_tribe):
    owner, member = make_user("Olga Owner"), make_user("Mia Member")
    tribe = make_tribe(owner, [member], name="Berlin Devs")
    members = member.get(f"tribes/{tribe['slug']}/members").get_json()["items"]
    assert [m["user"]["display_name"] for m in members] == ["Olga Owner", "Mia Member"]
    assert members[1]["invited_by"]["display_name"] == "Olga Owner"
