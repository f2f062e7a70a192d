"""Integrations become a set of members (connections with a role per resource) instead of two
platform-named foreign keys and a home platform."""

import django.db.models.deletion
from django.db import migrations, models

ROLES = [("home", "Home base"), ("target", "Target"), ("both", "Both ways"), ("off", "Off")]


def members_from_pair(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    Member = apps.get_model("integrations", "IntegrationMember")
    for integration in Integration.objects.all().iterator():
        for position, platform in enumerate(("bigcommerce", "zettle")):
            connection_id = getattr(integration, f"{platform}_id")
            if connection_id is None:
                continue
            home = integration.home_platform
            role = "off" if not home else ("home" if home == platform else "target")
            Member.objects.create(merchant_id=integration.merchant_id, integration_id=integration.pk,
                                  connection_id=connection_id, products_role=role,
                                  stock_role="both" if home else "off", position=position)


def pair_from_members(apps, schema_editor):
    Integration = apps.get_model("integrations", "Integration")
    Member = apps.get_model("integrations", "IntegrationMember")
    for member in Member.objects.select_related("connection").order_by("position", "pk"):
        platform = member.connection.platform
        if platform not in ("bigcommerce", "zettle"):
            continue
        changes = {f"{platform}_id": member.connection_id}
        if member.products_role == "home":
            changes["home_platform"] = platform
        Integration.objects.filter(pk=member.integration_id).update(**changes)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0008_sync_cursors"), ("merchants", "0002_login_lockout")]

    operations = [
        migrations.CreateModel(
            name="IntegrationMember",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("products_role", models.CharField(choices=ROLES, default="off", max_length=8)),
                ("stock_role", models.CharField(choices=ROLES, default="off", max_length=8)),
                ("position", models.PositiveSmallIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("connection", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                 related_name="memberships", to="integrations.connection")),
                ("integration", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                  related_name="members", to="integrations.integration")),
                ("merchant", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                               to="merchants.merchant")),
            ],
            options={"ordering": ["position", "pk"]},
        ),
        migrations.AddConstraint(
            model_name="integrationmember",
            constraint=models.UniqueConstraint(fields=("integration", "connection"),
                                               name="integrationmember_unique_connection"),
        ),
        migrations.RunPython(members_from_pair, pair_from_members),
        # every reader keeps its watermark in its own sync cursor row now (0008 carried them over)
        migrations.RemoveField(model_name="connection", name="sync_state"),
        migrations.RemoveField(model_name="integration", name="bigcommerce"),
        migrations.RemoveField(model_name="integration", name="zettle"),
        migrations.RemoveField(model_name="integration", name="home_platform"),
        migrations.AlterField(
            model_name="integration", name="kind",
            field=models.CharField(default="zettle_bigcommerce", max_length=32,
                                   help_text="The kind's key in integrations.kinds, which decides its rules and steps"),
        ),
        migrations.AlterField(
            model_name="integration", name="setup_step",
            field=models.CharField(blank=True, default="", help_text="The open wizard step", max_length=32),
        ),
        migrations.AlterField(
            model_name="integration", name="initial_scope",
            field=models.CharField(choices=[("all", "All products"), ("selected", "Selected products")],
                                   default="all", max_length=16),
        ),
        migrations.AlterField(
            model_name="listing", name="source",
            field=models.CharField(choices=[("setup", "Synced at setup"), ("selected", "Selected by the merchant"),
                                            ("created", "Created after setup"),
                                            ("channel", "Assigned to the channel on the home base"),
                                            ("home", "A product of the home base")], max_length=16),
        ),
    ]
