"""The demo company "Tessera Demo Co.", one module per part: its organisation, products and sales, accounts and
customers, after-sales service, and the users' outside accounts; `world` holds what the parts share and
`company.yaml` its names and phrases. `seed_demo` fills an empty store in that order, the same for a given seed."""
from crm.seed.demo import DEMO, DEMO_SEED, DEMO_STEPS, DEMO_TODAY, SeedReport, StoreNotEmpty, seed_demo
from crm.seed.identities import demo_slack_id, demo_wecom_id, seed_identities

__all__ = ["DEMO", "DEMO_SEED", "DEMO_STEPS", "DEMO_TODAY", "SeedReport", "StoreNotEmpty", "demo_slack_id",
           "demo_wecom_id", "seed_demo", "seed_identities"]
