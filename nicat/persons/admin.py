# Cases, persons, notes and events are deliberately not in the Django admin: administrators manage
# institutions, staff and vocabularies, never case content (law 2 of the system).
