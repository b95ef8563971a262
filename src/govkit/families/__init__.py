"""Built-in check families: each module measures, the policy judges."""
