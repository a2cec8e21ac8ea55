"""The outline as content: parsing it, seeding it in every locale, an admin's edits to measures
and periods, and the gettext catalogs."""
