"""The classic (Service Management) API: XML in the windowsazure namespace."""
