"""What it means and who hears it: zones, schedules, rules, alert lifecycle and MQTT."""
