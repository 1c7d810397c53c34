"""The only readers of the site folder: site.yaml, content, figures, UI strings, assets, layouts."""
