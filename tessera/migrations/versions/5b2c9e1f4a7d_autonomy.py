"""autonomy: unit contracts, budget pools, contract decisions, competitor prices, shared accounts, audit

Revision ID: 5b2c9e1f4a7d
Revises: a07817960842
Create Date: 2026-11-26 06:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '5b2c9e1f4a7d'
down_revision = 'a07817960842'
branch_labels = ('autonomy',)
depends_on = None


def upgrade() -> None:
    op.create_table('autonomy_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['sales_units.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_autonomy_audit_unit_id'), 'autonomy_audit', ['unit_id'], unique=False)
    op.create_table('budget_pools',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('pool', sa.String(length=40), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('limit_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('used_amount', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['sales_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'pool', 'period')
    )
    op.create_index(op.f('ix_budget_pools_unit_id'), 'budget_pools', ['unit_id'], unique=False)
    op.create_table('competitor_prices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('region', sa.String(length=40), nullable=False),
    sa.Column('price', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('competitor', sa.String(length=120), nullable=False),
    sa.Column('recorded_by', sa.String(length=80), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['sales_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'product_id', 'region')
    )
    op.create_index(op.f('ix_competitor_prices_unit_id'), 'competitor_prices', ['unit_id'], unique=False)
    op.create_table('unit_contracts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('yaml_text', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['sales_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('unit_id', 'version')
    )
    op.create_index(op.f('ix_unit_contracts_unit_id'), 'unit_contracts', ['unit_id'], unique=False)
    op.create_table('shared_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('granted_by', sa.String(length=80), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['sales_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'unit_id')
    )
    op.create_index(op.f('ix_shared_accounts_account_id'), 'shared_accounts', ['account_id'], unique=False)
    op.create_index(op.f('ix_shared_accounts_unit_id'), 'shared_accounts', ['unit_id'], unique=False)
    op.create_table('contract_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('deal_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('requested_by', sa.String(length=80), nullable=False),
    sa.Column('request', sa.JSON(), nullable=False),
    sa.Column('contract_version', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('rule', sa.String(length=80), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('numbers', sa.JSON(), nullable=False),
    sa.Column('missing', sa.JSON(), nullable=False),
    sa.Column('booked', sa.Numeric(precision=14, scale=2), nullable=False),
    sa.Column('pool_id', sa.Integer(), nullable=True),
    sa.Column('escalate_to', sa.String(length=80), nullable=True),
    sa.Column('approver', sa.String(length=80), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['deal_id'], ['deals.id'], ),
    sa.ForeignKeyConstraint(['pool_id'], ['budget_pools.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['sales_units.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    op.create_index(op.f('ix_contract_decisions_created_at'), 'contract_decisions', ['created_at'], unique=False)
    op.create_index(op.f('ix_contract_decisions_outcome'), 'contract_decisions', ['outcome'], unique=False)
    op.create_index(op.f('ix_contract_decisions_unit_id'), 'contract_decisions', ['unit_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_contract_decisions_unit_id'), table_name='contract_decisions')
    op.drop_index(op.f('ix_contract_decisions_outcome'), table_name='contract_decisions')
    op.drop_index(op.f('ix_contract_decisions_created_at'), table_name='contract_decisions')
    op.drop_table('contract_decisions')
    op.drop_index(op.f('ix_shared_accounts_unit_id'), table_name='shared_accounts')
    op.drop_index(op.f('ix_shared_accounts_account_id'), table_name='shared_accounts')
    op.drop_table('shared_accounts')
    op.drop_index(op.f('ix_unit_contracts_unit_id'), table_name='unit_contracts')
    op.drop_table('unit_contracts')
    op.drop_index(op.f('ix_competitor_prices_unit_id'), table_name='competitor_prices')
    op.drop_table('competitor_prices')
    op.drop_index(op.f('ix_budget_pools_unit_id'), table_name='budget_pools')
    op.drop_table('budget_pools')
    op.drop_index(op.f('ix_autonomy_audit_unit_id'), table_name='autonomy_audit')
    op.drop_table('autonomy_audit')
