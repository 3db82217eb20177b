"""Electronic licences: catalogue, issuance, status lists, holder wallet, QR codes."""
