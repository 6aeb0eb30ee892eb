"""Only an authorised special institution accommodates a victim (law Arts 12-17): a shelter whose authorisation
ended admits no one, although its facility is still registered."""
from nicat.assistance.models import Stay
from nicat.directory.services import save_institution


def test_a_shelter_whose_authorisation_ended_admits_no_one(world, api):
    case = world.recognise(world.adult())
    world.refer_to_shelter(case)  # accepted while the shelter was authorised
    institution = world.shelter_institution
    institution.is_special_institution = False  # the executive authority withdrew the authorisation
    save_institution(actor=world.cast.admin, institution=institution)

    r = api(world.manager).post("/api/v1/stays/", {"case": str(case.uuid), "facility": str(world.shelter.uuid),
                                                   "group": "women"}, format="json")
    assert r.status_code == 400, r.json()
    assert world.shelter_institution.name in " ".join(r.json()["facility"])
    assert not Stay.objects.system().filter(case=case).exists()
