"""report_templates"""
