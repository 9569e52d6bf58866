"""Clinical systems: FHIR R4 bundles read as cases (a declarative map per guideline), a CDS Hooks service, and
the guideline exported as a CPG-on-FHIR PlanDefinition. Needs the fhir extra (fhir.resources, Starlette,
uvicorn). Nothing here knows a clinical code: the codes live in the map file beside the rules."""
