"""didactics"""
