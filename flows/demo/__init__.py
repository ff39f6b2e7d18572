"""The bundled demo data set (`etdz demo-data`): a deterministic Guangxi in which every rule has a
case (see data/demo/README.md)."""
