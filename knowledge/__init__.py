"""Knowledge base: policy tables, FAQ, documents, retrieval and answering."""
