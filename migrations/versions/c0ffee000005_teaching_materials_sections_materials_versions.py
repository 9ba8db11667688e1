"""teaching materials: syllabus sections, materials and their versions

Revision ID: c0ffee000005
Revises: 2192c0ad7eb5
Create Date: 2026-12-01 15:49:26.366882

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c0ffee000005'
down_revision = '2192c0ad7eb5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('material_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_material_section_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_section')),
    sa.UniqueConstraint('course_id', 'title', name='uq_material_section_title')
    )
    with op.batch_alter_table('material_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_section_course_id'), ['course_id'], unique=False)

    op.create_table('material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('current_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['section_id'], ['material_section.id'], name=op.f('fk_material_section_id_material_section'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material'))
    )
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_section_id'), ['section_id'], unique=False)

    op.create_table('material_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('material_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('pages_status', sa.Enum('none', 'processing', 'ready', 'failed', name='pagesstatus', native_enum=False, length=16), nullable=False),
    sa.Column('pages_error', sa.String(length=32), nullable=True),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('pages_prefix', sa.String(length=300), nullable=True),
    sa.Column('pages_bytes', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['material_id'], ['material.id'], name=op.f('fk_material_version_material_id_material'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id'], name=op.f('fk_material_version_uploaded_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_material_version')),
    sa.UniqueConstraint('material_id', 'number', name='uq_material_version_number')
    )
    with op.batch_alter_table('material_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_material_version_material_id'), ['material_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_material_version_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('material_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_version_sha256'))
        batch_op.drop_index(batch_op.f('ix_material_version_material_id'))

    op.drop_table('material_version')
    with op.batch_alter_table('material', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_section_id'))

    op.drop_table('material')
    with op.batch_alter_table('material_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_material_section_course_id'))

    op.drop_table('material_section')
