"""What the build publishes: dumps, VoID, DCAT-AP, summaries and documents of things."""
