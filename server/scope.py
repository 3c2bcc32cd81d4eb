"""Who may read and write what: per-centre scoping, checked on every request.

``server.store.users.scope_for`` computes a user's ``Scope`` from the database.

``field`` and ``centre`` users act in their centres; a ``supervisor`` in every
centre of their county; an ``admin`` everywhere. Reference collections (centres,
matters, templates) are read county-wide and written by supervisors and admins.

An ``inspector`` (考评小组 member) reaches the county like a supervisor, but only its
reference data, inspections and rectifications: never applicants' personal data
(cases, visits, complaints, evaluations), neither in a pull nor in a write.
``ROLE_COLLECTIONS`` is the one rule: pull, conflicts, attachments and the workspace's
lists, boards and exports all ask ``Scope.can_read_collection``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sync.errors import Forbidden
from sync.schema import Collection

ROLES = ("field", "centre", "inspector", "supervisor", "admin")
COUNTY_ROLES = frozenset({"inspector", "supervisor"})  # belong to a county, not to centres
# The collections a role may read and write, when it is not all of them.
ROLE_COLLECTIONS: dict[str, frozenset[str]] = {
    "inspector": frozenset({"centres", "matters", "templates", "inspections", "rectifications"}),
}


# What a supervisor's or admin's device syncs besides reference data (see Scope.pull_scope).
WORKSPACE_SYNC = frozenset({"inspections", "rectifications", "accountability"})


@dataclass(frozen=True)
class Scope:
    """The centres and counties a principal reaches. ``everything`` for admins."""

    role: str
    centre_ids: frozenset[str]
    county_ids: frozenset[str]
    everything: bool = False
    collections: frozenset[str] | None = None  # None: every collection

    def key(self) -> str:
        """A short fingerprint: when it changes, a device's copy must be reset."""
        text = "|".join([self.role, "*" if self.everything else "",
                         ",".join(sorted(self.centre_ids)), ",".join(sorted(self.county_ids)),
                         "*" if self.collections is None else ",".join(sorted(self.collections))])
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def can_read_collection(self, collection: str) -> bool:
        """Whether records of ``collection`` are visible at all to this role."""
        return self.collections is None or collection in self.collections

    def pull_scope(self) -> Scope:
        """What a device of this principal syncs. Supervisors and admins see the county's
        figures and lists from the server (reports, lists, boards), so their devices sync
        reference data (centres, matters, templates: records without a centre) and the
        county's inspections, rectifications and accountability records, which they review
        and close on the device (no applicants' personal data); cases, visits, complaints,
        evaluations and awards stay on the server. Their edits still travel as ops."""
        if self.role in ("supervisor", "admin"):
            return Scope(self.role, self.centre_ids, self.county_ids, False, WORKSPACE_SYNC)
        return self

    def can_read_centre(self, centre_id: str | None) -> bool:
        """Whether records of ``centre_id`` are visible."""
        return self.everything or (centre_id is not None and centre_id in self.centre_ids)

    def can_read_county(self, county_id: str | None) -> bool:
        """Whether reference data of ``county_id`` is visible."""
        return self.everything or (county_id is not None and county_id in self.county_ids)

    def check_write(self, coll: Collection, centre_id: str | None, county_id: str | None) -> None:
        """Raise ``Forbidden`` unless this scope may write that record."""
        if self.role not in coll.writers:
            raise Forbidden(f"role {self.role} may not write {coll.name}",
                            details={"collection": coll.name})
        if not self.can_read_collection(coll.name):
            raise Forbidden(f"role {self.role} has no access to {coll.name}",
                            details={"collection": coll.name})
        if self.everything:
            return
        if coll.scope == "centre":
            if centre_id not in self.centre_ids:
                raise Forbidden(f"centre {centre_id} is outside your scope",
                                details={"centre_id": centre_id})
        elif county_id not in self.county_ids:
            raise Forbidden(f"county {county_id} is outside your scope",
                            details={"county_id": county_id})
