"""Every number of the back office, named once."""

BACKOFFICE_PAGE_SIZE = 25
