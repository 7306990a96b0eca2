"""The kinds of partner file, without pandas: the configuration checks ``invoer.bestanden`` and
``invoer.tabbladen`` against them before any data library is loaded. Each table kind has its template
in inputs/templates.py (a test keeps the two in step)."""

TABLE_KINDS: tuple[str, ...] = (
    "veiligheidsmonitor",
    "veiligheidsregio",
    "halt",
    "veilig_thuis",
    "politie_export",
    "vakantieparken",
    "kernen",
)
STORY_KIND = "verhaal"  # a folder of Markdown stories per chapter
KINDS: tuple[str, ...] = TABLE_KINDS + (STORY_KIND,)

# How a reader page names each kind (the kinds themselves are file and configuration names).
READER_NAMES: dict[str, str] = {
    "veiligheidsmonitor": "Veiligheidsmonitor",
    "veiligheidsregio": "veiligheidsregio",
    "halt": "Halt",
    "veilig_thuis": "Veilig Thuis",
    "politie_export": "politie (eigen export)",
    "vakantieparken": "vakantieparken",
    "kernen": "kernindeling",
    "verhaal": "toelichting per hoofdstuk",
}
