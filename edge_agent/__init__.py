"""The edge node: a factory, store or depot keeps working offline and syncs with the centre when the link returns."""
