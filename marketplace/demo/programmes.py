"""What each demo venue plays this season: believable shows, mostly in its own discipline.

Classics are named with their author; the other titles are invented companies' work.
"""

from __future__ import annotations

from typing import NamedTuple


class ShowSpec(NamedTuple):
    title: str
    discipline: str
    duration_minutes: int
    age_guidance: str
    description: str


def _s(title: str, discipline: str, minutes: int, age: str, description: str) -> ShowSpec:
    return ShowSpec(title, discipline, minutes, age, description)


PROGRAMMES: dict[str, list[ShowSpec]] = {
    "la-criee": [
        _s("La Cerisaie", "theatre", 150, "Dès 14 ans",
           "Tchekhov dans une mise en scène lumineuse : une famille, un domaine, "
           "un monde qui passe."),
        _s("Marius", "theatre", 120, "Tout public",
           "Pagnol sur le Vieux-Port, entre le bar de la Marine et l'appel du large."),
        _s("Le Petit Prince", "family", 60, "Dès 6 ans",
           "Le conte de Saint-Exupéry avec deux comédiens, un pianiste et beaucoup d'étoiles."),
        _s("Corps de marée", "dance", 70, "Tout public",
           "Huit danseurs et le bruit de la mer : un flux, un reflux, une vague d'énergie."),
    ],
    "theatre-du-gymnase": [
        _s("Cyrano de Bergerac", "theatre", 160, "Dès 12 ans",
           "Le panache de Rostand porté par une troupe de quinze comédiens."),
        _s("Fanny", "theatre", 115, "Tout public",
           "La suite de la trilogie marseillaise de Pagnol, tendre et drôle."),
        _s("Accent du Sud", "comedy", 80, "Dès 12 ans",
           "Un seul-en-scène qui fait la tournée des accents, de Menton à Arles."),
        _s("Pierre et le Loup", "family", 50, "Dès 4 ans",
           "Le conte musical de Prokofiev joué par un quintette et un récitant."),
    ],
    "theatre-des-bernardines": [
        _s("Fin de partie", "theatre", 100, "Dès 15 ans",
           "Beckett au plus près : quatre personnages, une chambre, la fin qui n'en finit pas."),
        _s("Une chambre à Noailles", "theatre", 75, "Dès 14 ans",
           "Création : trois générations se croisent dans un meublé du marché des Capucins."),
        _s("Lettres de Marseille", "other", 60, "Dès 12 ans",
           "Lecture-performance de correspondances d'écrivains de passage à Marseille."),
    ],
    "le-silo": [
        _s("Chants de Méditerranée", "music", 90, "Tout public",
           "Polyphonies corses, rebetiko et chants napolitains : un voyage autour de la mer."),
        _s("Jazz au port", "music", 100, "Tout public",
           "Un big band de vingt musiciens revisite les standards de Duke Ellington."),
        _s("Chanson : Barbara et Brel", "music", 85, "Tout public",
           "Une voix, un piano, un accordéon, et les plus belles chansons de deux géants."),
        _s("Le Grand Bain d'humour", "comedy", 90, "Dès 14 ans",
           "Cinq humoristes de la région, une soirée de stand-up à l'heure marseillaise."),
    ],
    "theatre-joliette": [
        _s("Ceux qui restent", "theatre", 85, "Dès 14 ans",
           "Création : un village de l'arrière-pays, une école qui ferme, ceux qui restent."),
        _s("Roberto Zucco", "theatre", 110, "Dès 15 ans",
           "Le texte de Koltès, nerveux et poétique, dans une scénographie de béton et de néons."),
        _s("Le Vilain Petit Canard", "family", 45, "Dès 3 ans",
           "Andersen en théâtre d'objets : une histoire de différence, douce et drôle."),
        _s("Conférence dansée : le geste et la ville", "other", 60, "Dès 12 ans",
           "Une chorégraphe raconte et danse la ville, de la Joliette au Panier."),
    ],
    "klap": [
        _s("Le Sacre du printemps", "dance", 60, "Tout public",
           "Stravinsky relu par douze danseurs hip-hop et contemporains."),
        _s("Tempo du large", "dance", 55, "Tout public",
           "Un duo pour deux danseuses et un percussionniste, entre transe et retenue."),
        _s("Nuit blanche à Belsunce", "dance", 65, "Dès 10 ans",
           "Breakdance et krump : une battle chorégraphiée par les danseurs du quartier."),
        _s("Petit Bleu et Petit Jaune", "family", 35, "Dès 2 ans",
           "L'album de Leo Lionni en danse et en couleurs pour les tout-petits."),
    ],
    "le-toursky": [
        _s("Le Mariage de Figaro", "theatre", 140, "Dès 12 ans",
           "Beaumarchais à toute allure : une folle journée, des portes qui claquent."),
        _s("Fanfare des Calanques", "music", 90, "Tout public",
           "Cuivres, percussions et bonne humeur : une fanfare qui fait danser la salle."),
        _s("Les Impros du jeudi", "comedy", 90, "Dès 10 ans",
           "Deux équipes, un arbitre et vos sujets : un match d'improvisation théâtrale."),
    ],
    "le-zef": [
        _s("Rhinocéros", "theatre", 120, "Dès 13 ans",
           "Ionesco, plus actuel que jamais : comment résister quand tout le monde cède ?"),
        _s("Voltiges", "circus", 75, "Dès 6 ans",
           "Trapèze, main à main et mât chinois sous la grande halle."),
        _s("Les Gestes invisibles", "dance", 60, "Tout public",
           "Une pièce pour six interprètes sur les gestes du travail qu'on ne voit plus."),
        _s("Contes de la Méditerranée", "family", 50, "Dès 5 ans",
           "Une conteuse et un joueur d'oud tissent les légendes des deux rives."),
    ],
    "grand-theatre-de-provence": [
        _s("Symphonie fantastique", "music", 95, "Tout public",
           "Berlioz par un orchestre de quatre-vingts musiciens, précédé d'une création."),
        _s("Les Quatre Saisons", "music", 75, "Tout public",
           "Vivaldi sur instruments d'époque, avec un violon solo virtuose."),
        _s("Les Noces de Figaro", "opera", 190, "Dès 10 ans",
           "Mozart en version de concert, surtitrée en français."),
        _s("Boléro", "dance", 50, "Tout public",
           "Ravel en une seule montée hypnotique, par une compagnie de trente danseurs."),
    ],
    "jeu-de-paume": [
        _s("Le Jeu de l'amour et du hasard", "theatre", 110, "Dès 12 ans",
           "Marivaux dans le plus ancien théâtre à l'italienne d'Aix."),
        _s("Les Fourberies de Scapin", "theatre", 100, "Dès 10 ans",
           "Molière joyeux et rythmé, à voir en famille."),
        _s("Tout va très bien", "comedy", 75, "Dès 12 ans",
           "Un seul-en-scène grinçant sur l'optimisme obligatoire."),
        _s("Les Musiciens de Brême", "family", 50, "Dès 4 ans",
           "Quatre animaux musiciens et beaucoup de chansons, d'après les frères Grimm."),
    ],
    "theatre-des-salins": [
        _s("Oncle Vania", "theatre", 130, "Dès 14 ans",
           "Tchekhov à la campagne : l'ennui, l'amour, les comptes du domaine."),
        _s("Giselle", "dance", 100, "Tout public",
           "Le ballet romantique revisité par une compagnie contemporaine."),
        _s("Alice au pays des merveilles", "family", 60, "Dès 6 ans",
           "Un terrier, une reine de cœur et beaucoup de magie nouvelle."),
        _s("Le Fil de l'eau", "circus", 70, "Dès 5 ans",
           "Funambules et acrobates au-dessus d'un bassin, entre ciel et reflets."),
    ],
    "theatre-d-arles": [
        _s("Antigone", "theatre", 95, "Dès 13 ans",
           "Sophocle dans une traduction nouvelle : la loi des hommes contre la loi du cœur."),
        _s("Cirque sous le mistral", "circus", 80, "Dès 6 ans",
           "Une troupe camarguaise mêle voltige équestre et acrobatie au sol."),
        _s("Nuit gitane", "music", 100, "Tout public",
           "Guitares, palmas et chant : la rumba d'Arles et des Saintes-Maries."),
    ],
    "chateauvallon": [
        _s("Roméo et Juliette", "dance", 110, "Tout public",
           "Prokofiev et une chorégraphie néoclassique dans l'amphithéâtre."),
        _s("Corps à corps", "dance", 60, "Dès 12 ans",
           "Un quatuor entre danse contact et arts martiaux."),
        _s("Mâts chinois", "circus", 70, "Dès 6 ans",
           "Cinq mâts, cinq acrobates, et la pinède de Châteauvallon pour décor."),
        _s("Le Songe d'une nuit d'été", "theatre", 140, "Dès 10 ans",
           "Shakespeare en plein air, fées, amants et artisans compris."),
    ],
    "le-liberte": [
        _s("Hamlet", "theatre", 170, "Dès 14 ans",
           "Shakespeare en costume contemporain, avec une bande-son live."),
        _s("Les Trois Sœurs", "theatre", 150, "Dès 14 ans",
           "Tchekhov : Moscou, toujours Moscou, et la vie qui passe à côté."),
        _s("Jongle", "circus", 60, "Dès 5 ans",
           "Trois jongleurs, deux cents balles et une précision d'horloger."),
        _s("Le Magicien d'Oz", "family", 65, "Dès 6 ans",
           "La route de brique jaune en marionnettes géantes et chansons."),
    ],
    "opera-de-toulon": [
        _s("Carmen", "opera", 180, "Dès 10 ans",
           "Bizet, ses airs célèbres et une Carmen libre jusqu'au bout."),
        _s("La Bohème", "opera", 130, "Dès 10 ans",
           "Puccini : quatre artistes, une mansarde, un hiver à Paris."),
        _s("Récital : Chopin et Debussy", "music", 80, "Tout public",
           "Nocturnes, préludes et clair de lune sous les ors de l'opéra."),
        _s("L'Opéra pour les petits", "family", 50, "Dès 5 ans",
           "Les airs les plus connus racontés aux enfants par deux chanteurs et un piano."),
    ],
    "theatre-de-grasse": [
        _s("Le Malade imaginaire", "theatre", 110, "Dès 10 ans",
           "La dernière comédie de Molière, ses médecins et ses intermèdes musicaux."),
        _s("Quatuor : La Jeune Fille et la Mort", "music", 70, "Tout public",
           "Schubert par un quatuor à cordes de la région."),
        _s("Pinocchio", "family", 60, "Dès 6 ans",
           "Le pantin de Collodi en théâtre et ombres chinoises."),
    ],
    "anthea": [
        _s("Le Misanthrope", "theatre", 120, "Dès 14 ans",
           "Molière et Alceste, l'homme qui refusait de mentir."),
        _s("Dom Juan", "theatre", 130, "Dès 14 ans",
           "Le libertin de Molière face à la statue du Commandeur."),
        _s("Les Voisins", "comedy", 85, "Dès 10 ans",
           "Café-théâtre : un immeuble, six voisins, une fête qui tourne mal."),
        _s("Le Lac des cygnes", "dance", 120, "Tout public",
           "Tchaïkovski et le grand ballet classique, en version resserrée."),
        _s("Max et les Maximonstres", "family", 45, "Dès 4 ans",
           "Marionnettes et musique live pour une nuit chez les monstres."),
    ],
    "theatre-national-de-nice": [
        _s("Phèdre", "theatre", 110, "Dès 14 ans",
           "Racine, l'alexandrin comme un incendie."),
        _s("Le Roi Lear", "theatre", 160, "Dès 14 ans",
           "Shakespeare : un roi partage son royaume et perd tout."),
        _s("Nocturnes", "dance", 60, "Tout public",
           "Une pièce pour neuf danseurs sur les nocturnes de Chopin."),
        _s("Le Petit Chaperon rouge", "family", 50, "Dès 5 ans",
           "Le conte revisité, drôle et un peu effrayant, avec un loup très bavard."),
    ],
    "la-garance": [
        _s("La Piste aux étoiles", "circus", 85, "Dès 5 ans",
           "Sous chapiteau : clowns, équilibristes et une fanfare de cirque."),
        _s("Équilibres", "circus", 60, "Dès 8 ans",
           "Une acrobate, des planches et des chaises : l'art de tenir debout."),
        _s("Les Estivants", "theatre", 140, "Dès 14 ans",
           "Gorki : des vacanciers en datcha et une société au bord du gouffre."),
        _s("La Sorcière du placard aux balais", "family", 55, "Dès 5 ans",
           "Un conte musical plein de balais, de formules et de fous rires."),
    ],
    "opera-grand-avignon": [
        _s("La Traviata", "opera", 160, "Dès 10 ans",
           "Verdi : Violetta, l'amour et le sacrifice, dans une mise en scène épurée."),
        _s("Mireille", "opera", 170, "Dès 10 ans",
           "Gounod d'après Mistral : l'opéra de la Provence, de la Crau aux Saintes-Maries."),
        _s("Ballet de l'Opéra : Soirée Ravel", "dance", 80, "Tout public",
           "Trois pièces courtes sur Ravel par le ballet de la maison."),
        _s("Orchestre : Symphonie du Nouveau Monde", "music", 80, "Tout public",
           "Dvořák et l'Amérique, précédé du concerto pour violoncelle de Haydn."),
    ],
    "theatre-durance": [
        _s("On ne badine pas avec l'amour", "theatre", 105, "Dès 12 ans",
           "Musset : Perdican, Camille et un jeu d'amour qui finit mal."),
        _s("Mât et cerceau", "circus", 60, "Dès 5 ans",
           "Duo aérien sous le grand plateau, poésie et vertige."),
        _s("Ciné-concert : Nosferatu", "other", 95, "Dès 12 ans",
           "Le film de Murnau accompagné en direct par un trio électro-acoustique."),
        _s("Contes des Alpes", "family", 50, "Dès 4 ans",
           "Histoires de montagne, de loups et de bergères, contées et chantées."),
    ],
}

# For venues added later (synthetic region, a venue not listed above): shows to draw from.
SHOW_POOL: list[ShowSpec] = [show for shows in PROGRAMMES.values() for show in shows]


def programme_for(slug: str) -> list[ShowSpec]:
    """The shows a demo venue plays (empty for a venue not listed)."""
    return PROGRAMMES.get(slug, [])
