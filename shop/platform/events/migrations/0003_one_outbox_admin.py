# The outbox admin switches between app databases instead of one proxy model per app:
# the platform no longer names the apps, and a process serving some of them has no
# model for the others.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0002_worker_streams_leases_admin'),
    ]

    operations = [
        migrations.DeleteModel(name='InventoryOutboxMessage'),
        migrations.DeleteModel(name='OrdersOutboxMessage'),
        migrations.DeleteModel(name='PaymentsOutboxMessage'),
    ]
