"""Writes to the customer archive. Every write validates, runs in one transaction and
leaves an audit event whose before/after values have personal data masked.

The services live by sub-domain, and every public name is re-exported here, so callers
import them from ``kewei.customers.services``:

- ``fields``: the one table of the customer row's columns, and the bulk-insert, blind
  index, comparison and creation-audit plumbing derived from it;
- ``archive``: the record itself (create, edit, contacted, profile, reveals);
- ``assignment``: responsible managers, assignment periods, book transfers;
- ``parts``: consent, family, relationships, tags, household, referrals;
- ``merge``: merging two records, with the handlers other apps register;
- ``derived``: the derived columns (assets, their 万元 copy), their one owner.
"""

from kewei.customers.services.archive import (
    PROFILE_FIELDS,
    REVEALABLE,
    customer_contacted,
    customer_create,
    customer_reveal,
    customer_update,
    customers_export_reveal,
    customers_reveal,
    duplicate_message,
    existing_identity,
    profile_update,
)
from kewei.customers.services.assignment import (
    balanced_plan,
    book_transfer,
    book_transfer_plan,
    customer_assign,
    customers_assign,
    ensure_assignable,
    needs_manager,
    open_assignments,
    reassign,
    reassign_customer,
    register_manager_requirement,
)
from kewei.customers.services.derived import (
    assets_merge,
    assets_refresh,
    coverage_refresh,
    open_assets,
    open_empty_assets,
    sync_aum_wan,
    tiers_set,
    wan_sql,
)
from kewei.customers.services.errors import CustomerError
from kewei.customers.services.fields import (
    COMPARED_COLUMNS,
    CUSTOMER_FIELDS,
    FIELDS,
    ID_PURPOSE,
    INSERT_COLUMNS,
    MOBILE_PURPOSE,
    OPTIONAL_FIELDS,
    PREPARED_COLUMNS,
    UPDATED_COLUMNS,
    Column,
    WritePath,
    apply_data,
    comparable,
    comparable_row,
    created_changes_text,
    customer_number_block,
    identity_index,
    insert_customers,
    insert_row,
    mobile_index,
    numbered_changes_text,
    personal_values,
)
from kewei.customers.services.merge import (
    MergeHandler,
    customer_merge,
    register_merge_handler,
)
from kewei.customers.services.parts import (
    consent_record,
    family_member_add,
    family_member_remove,
    household_join,
    referral_record,
    relationship_add,
    tags_set,
)
from kewei.customers.services.retention import (
    customer_depart,
    customers_anonymise_departed,
    departed_due,
)

__all__ = [
    "COMPARED_COLUMNS",
    "CUSTOMER_FIELDS",
    "FIELDS",
    "ID_PURPOSE",
    "INSERT_COLUMNS",
    "MOBILE_PURPOSE",
    "OPTIONAL_FIELDS",
    "PREPARED_COLUMNS",
    "PROFILE_FIELDS",
    "REVEALABLE",
    "UPDATED_COLUMNS",
    "Column",
    "CustomerError",
    "MergeHandler",
    "WritePath",
    "apply_data",
    "assets_merge",
    "assets_refresh",
    "balanced_plan",
    "book_transfer",
    "book_transfer_plan",
    "comparable",
    "comparable_row",
    "consent_record",
    "coverage_refresh",
    "created_changes_text",
    "customer_assign",
    "customer_contacted",
    "customer_create",
    "customer_depart",
    "customer_merge",
    "customer_number_block",
    "customer_reveal",
    "customer_update",
    "customers_anonymise_departed",
    "customers_assign",
    "customers_export_reveal",
    "customers_reveal",
    "departed_due",
    "duplicate_message",
    "ensure_assignable",
    "existing_identity",
    "family_member_add",
    "family_member_remove",
    "household_join",
    "identity_index",
    "insert_customers",
    "insert_row",
    "mobile_index",
    "needs_manager",
    "numbered_changes_text",
    "open_assets",
    "open_assignments",
    "open_empty_assets",
    "personal_values",
    "profile_update",
    "reassign",
    "reassign_customer",
    "referral_record",
    "register_manager_requirement",
    "register_merge_handler",
    "relationship_add",
    "sync_aum_wan",
    "tags_set",
    "tiers_set",
    "wan_sql",
]
