"""The public site's part of the demo world: Azerbaijan's embassies and consulates abroad."""


def ensure_public(admin):
    from nicat.public.embassies import load_embassies

    return load_embassies(actor=admin)
