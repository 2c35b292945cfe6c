"""Adopt a Terraform-managed system: match its state to a stack's offline render, say what `pulumi up` would
adopt, replace or create, and write the file `pulumi import --file` reads.

    python -m tools.adopt --tfstate FILE --stack NAME [--out DIR] [--tf-plugin-dir DIR]

Stages: read the state (v4 file or `terraform show -json`) → read out/<stack>/preview.json (rendered again when
missing or older than the program) → map Terraform types to Pulumi types (the TF provider's schema against the
installed pulumi_aws classes) → match resources by what identifies them → ask the real Terraform AWS provider,
offline (`terraform plan -refresh=false`), which differing inputs force a replacement → write
out/<stack>/import.json and out/<stack>/adoption.md. Exit status: 0 done, 2 bad input (nothing written).
"""
