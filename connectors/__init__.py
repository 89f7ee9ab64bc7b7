"""The only code in c2arm that talks to Azure (ASM, ARM, storage, credentials)."""
