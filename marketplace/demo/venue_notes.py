"""Practical notes for the demo venues: step-free access, how to come, how to get home.

Believable rather than authoritative: a venue corrects its own notes in its profile.
"""

from __future__ import annotations

from typing import NamedTuple


class VenueNotes(NamedTuple):
    step_free_access: bool
    access_notes: str
    transport_notes: str
    getting_home_notes: str


_DEFAULT = VenueNotes(
    True, "Accès de plain-pied, places réservées aux personnes à mobilité réduite.",
    "Parking à proximité.", "Covoiturage conseillé après les représentations du soir.",
)

NOTES: dict[str, VenueNotes] = {
    "la-criee": VenueNotes(
        True, "Salles accessibles par ascenseur ; boucle magnétique en grande salle.",
        "Métro 1 Vieux-Port (10 min à pied), bus 82 et 83 arrêt Théâtre La Criée. "
        "Parking Vieux-Port – Hôtel de Ville.",
        "Métro 1 jusque vers 0 h 30 ; stations de vélos en libre-service quai de Rive-Neuve."),
    "theatre-du-gymnase": VenueNotes(
        False, "Théâtre à l'italienne : orchestre accessible par une entrée latérale, "
        "balcons par escaliers uniquement. Prévenir la billetterie.",
        "Métro 1 Noailles ou Réformés-Canebière, tramway T2 Canebière-Capucins.",
        "Métro et tramway jusque vers 0 h 30 ; station de taxis sur la Canebière."),
    "theatre-des-bernardines": VenueNotes(
        False, "Ancienne chapelle : deux marches à l'entrée, rampe amovible sur demande.",
        "Métro 1 Réformés-Canebière, tramway T2 Canebière-Garibaldi.",
        "Métro jusque vers 0 h 30 ; Canebière à deux minutes."),
    "le-silo": VenueNotes(
        True, "Salle de plain-pied côté quai, ascenseur vers les balcons.",
        "Métro 2 Joliette, tramway T2 et T3 Euroméditerranée-Gantès. Parking des Docks.",
        "Tramway jusque vers 0 h 30 ; navette de nuit les soirs de concert."),
    "theatre-joliette": VenueNotes(
        True, "Accès de plain-pied, ascenseur vers la petite salle.",
        "Métro 2 Joliette, tramway T2 et T3 Joliette. Parking des Docks.",
        "Métro 2 et tramway jusque vers 0 h 30."),
    "klap": VenueNotes(
        True, "Studio et salle de plain-pied.",
        "Métro 2 National ou Désirée-Clary, bus 89 arrêt Rostand.",
        "Métro 2 jusque vers 0 h 30 ; peu de taxis dans le quartier, réserver à l'avance."),
    "le-toursky": VenueNotes(
        True, "Accès par la promenade Léo-Ferré, places PMR au premier rang.",
        "Métro 2 National, bus 70 et 89 arrêt Toursky.",
        "Métro 2 jusque vers 0 h 30 ; parking gratuit devant le théâtre."),
    "le-zef": VenueNotes(
        True, "Salles de plain-pied ; boucle magnétique sur demande.",
        "Métro 1 Saint-Just puis bus 53, ou bus 31 et 32 arrêt Merlan. Grand parking gratuit.",
        "Navette retour vers le métro les soirs de spectacle."),
    "grand-theatre-de-provence": VenueNotes(
        True, "Ascenseurs vers tous les niveaux, places PMR en parterre.",
        "Gare routière d'Aix (5 min à pied), navettes Aix-Marseille. Parking Méjanes.",
        "Navette de nuit vers Marseille après les concerts du soir (réservation conseillée)."),
    "jeu-de-paume": VenueNotes(
        False, "Théâtre du XVIIIᵉ siècle : accès PMR au parterre uniquement, sur réservation.",
        "Centre-ville d'Aix, bus Aixpress arrêt Rotonde. Parkings Pasteur et Cardeurs.",
        "Centre-ville piéton ; dernières navettes vers Marseille vers 23 h 30."),
    "theatre-des-salins": VenueNotes(
        True, "Accès de plain-pied, ascenseur vers les gradins.",
        "Bus Ulysse arrêt Cinéma-Renoir ; parking gratuit quai Paul-Doumer.",
        "Pas de bus après 21 h : covoiturage proposé par le théâtre."),
    "theatre-d-arles": VenueNotes(
        True, "Entrée accessible boulevard Clemenceau, places PMR à l'orchestre.",
        "Navette gratuite Envia, gare SNCF d'Arles à 15 min à pied.",
        "Derniers trains vers Marseille et Avignon vers 22 h 30 : vérifier avant la séance."),
    "chateauvallon": VenueNotes(
        True, "Amphithéâtre en plein air et salles couvertes accessibles ; "
        "chemins en pente, voiturette sur demande.",
        "Bus 55 arrêt Châteauvallon depuis Toulon ; parking gratuit sur place.",
        "Navette retour vers Toulon centre les soirs de spectacle."),
    "le-liberte": VenueNotes(
        True, "Accès de plain-pied place de la Liberté, ascenseurs vers les trois salles.",
        "Gare de Toulon à 5 min à pied, bus arrêt Liberté. Parking Liberté.",
        "Centre-ville ; derniers bus vers La Seyne vers 23 h."),
    "opera-de-toulon": VenueNotes(
        False, "Opéra du XIXᵉ siècle : parterre accessible par l'entrée latérale, "
        "loges et galeries par escaliers.",
        "Gare de Toulon (10 min à pied), bus arrêt Opéra. Parkings Liberté et Place d'Armes.",
        "Bateau-bus vers La Seyne jusque vers 22 h 30 ; taxis boulevard de Strasbourg."),
    "theatre-de-grasse": VenueNotes(
        True, "Accès de plain-pied, places PMR en bas de salle.",
        "Bus Sillages arrêt Palais des Congrès ; parking Notre-Dame des Fleurs.",
        "Dernier train vers Cannes vers 22 h : covoiturage conseillé."),
    "anthea": VenueNotes(
        True, "Salles Audiberti et Pierre Vaneck accessibles par ascenseur.",
        "Bus Envibus arrêt Anthéa, gare d'Antibes à 10 min à pied. Grand parking.",
        "Trains vers Nice et Cannes jusque vers 23 h 30."),
    "theatre-national-de-nice": VenueNotes(
        True, "Accès de plain-pied promenade des Arts, boucle magnétique.",
        "Tramway T1 Garibaldi ou Cathédrale-Vieille Ville. Parking Promenade des Arts.",
        "Tramway jusque vers 1 h 30 le week-end."),
    "la-garance": VenueNotes(
        True, "Salle et chapiteau accessibles ; places PMR au premier rang.",
        "Gare de Cavaillon à 10 min à pied, bus C'mon bus. Parking gratuit.",
        "Peu de transports le soir : covoiturage organisé avec les spectateurs."),
    "opera-grand-avignon": VenueNotes(
        False, "Opéra du XIXᵉ siècle : parterre accessible, étages par escaliers.",
        "Place de l'Horloge, bus Orizo arrêt Place de l'Horloge. Parking Palais des Papes.",
        "Gare d'Avignon Centre à 15 min à pied ; taxis place de l'Horloge."),
    "theatre-durance": VenueNotes(
        True, "Bâtiment récent de plain-pied.",
        "Gare de Château-Arnoux–Saint-Auban à 10 min à pied ; parking gratuit.",
        "Covoiturage conseillé vers Digne, Manosque et Sisteron."),
}


def notes_for(slug: str) -> VenueNotes:
    """The practical notes of a demo venue (generic ones for a venue not listed)."""
    return NOTES.get(slug, _DEFAULT)
