namespace StreamAttention.Evaluation.WordNet;

/// <summary>
/// The WordNet set's interests: a WordNet topic domain (or two that share a name) with the short phrase a user would type
/// for it. The phrases and the choice of domains (those with enough members, leaving out catch-alls such as "science"
/// or "game") are the only hand-made part of the set; which message is relevant follows from WordNet's own pointers.
/// </summary>
public static class TopicInterests
{
    public static IReadOnlyList<TopicInterest> All { get; } =
    [
        new("sport", "sports", "sam-sports", ["n00523513"]),
        new("football", "football matches", "sam-sports", ["n00468480"]),
        new("american-football", "american football plays", "sam-sports", ["n00469651"]),
        new("baseball", "baseball", "sam-sports", ["n00471613"]),
        new("basketball", "basketball games", "sam-sports", ["n00480993"]),
        new("golf", "golf", "sam-sports", ["n00464894"]),
        new("tennis", "tennis", "sam-sports", ["n00482298"]),
        new("boxing", "boxing fights", "sam-sports", ["n00445802"]),
        new("chess", "chess", "sam-sports", ["n00503237"]),
        new("card-games", "card games", "sam-sports", ["n00488225"]),
        new("board-games", "board games", "sam-sports", ["n00502415"]),

        new("physics", "physics", "lena-science", ["n06090869"]),
        new("chemistry", "chemistry", "lena-science", ["n06084469"]),
        new("biology", "biology research", "lena-science", ["n06037666"]),
        new("astronomy", "astronomy and space", "lena-science", ["n06095022"]),
        new("mathematics", "mathematics", "lena-science", ["n06000644"]),
        new("statistics", "statistics and data analysis", "lena-science", ["n06018465"]),
        new("geology", "geology, rocks and minerals", "lena-science", ["n06115701"]),
        new("genetics", "genetics and heredity", "lena-science", ["n06075527"]),
        new("meteorology", "weather and meteorology", "lena-science", ["n06118563"]),
        new("electronics", "electronics and circuits", "lena-science", ["n06099269"]),
        new("computer-science", "computer science and programming", "lena-science", ["n06128570"]),
        new("computers", "computer hardware", "lena-science", ["n03082979"]),
        new("botany", "plants and botany", "lena-science", ["n06066555"]),
        new("zoology", "animals and zoology", "lena-science", ["n06083243"]),

        new("medicine", "medicine and medical treatment", "ravi-health", ["n06043075", "n00612160"]),
        new("pathology", "diseases and their causes", "ravi-health", ["n06060845"]),
        new("anatomy", "human anatomy", "ravi-health", ["n06057539"]),
        new("physiology", "how the body works", "ravi-health", ["n06080522"]),
        new("surgery", "surgery", "ravi-health", ["n06063588"]),
        new("psychology", "psychology", "ravi-health", ["n06136258"]),
        new("psychiatry", "mental illness and psychiatry", "ravi-health", ["n06055946"]),
        new("psychoanalysis", "psychoanalysis and freud", "ravi-health", ["n00704305"]),

        new("law", "law and legal cases", "ada-civics", ["n08441203"]),
        new("crime", "crime", "ada-civics", ["n00766234"]),
        new("military", "the military and armed forces", "ada-civics", ["n08199025"]),
        new("terrorism", "terrorism", "ada-civics", ["n00759694"]),
        new("economics", "economics", "ada-civics", ["n06149484"]),
        new("commerce", "business and trade", "ada-civics", ["n01090446"]),
        new("government", "government", "ada-civics", ["n01124794"]),
        new("politics", "politics", "ada-civics", ["n06148148"]),
        new("farming", "farming and agriculture", "ada-civics", ["n00916464"]),
        new("tax", "taxes", "ada-civics", ["n13308999"]),

        new("music", "music", "noor-arts", ["n07020895", "n00543233"]),
        new("fine-arts", "painting and the fine arts", "noor-arts", ["n06156968"]),
        new("architecture", "architecture and building design", "noor-arts", ["n06123363", "n00610738"]),
        new("photography", "photography", "noor-arts", ["n00903559"]),
        new("performing-arts", "theatre and performing arts", "noor-arts", ["n06157326"]),
        new("dancing", "dancing", "noor-arts", ["n00428270"]),
        new("poetry", "poetry", "noor-arts", ["n07092592"]),
        new("printing", "printing and typesetting", "noor-arts", ["n06677302"]),
        new("cooking", "cooking and recipes", "noor-arts", ["n00243918"]),
        new("handicraft", "crafts and handiwork", "noor-arts", ["n00714944"]),

        new("religion", "religion", "theo-humanities", ["n05946687", "n08081668"]),
        new("christianity", "christianity", "theo-humanities", ["n06226057"]),
        new("catholic-church", "the catholic church", "theo-humanities", ["n08083599"]),
        new("judaism", "judaism", "theo-humanities", ["n06232880"]),
        new("islam", "islam", "theo-humanities", ["n06234825"]),
        new("hinduism", "hinduism", "theo-humanities", ["n06236802"]),
        new("bible", "stories from the bible", "theo-humanities", ["n06449735", "n06453849"]),
        new("mythology", "myths and legends", "theo-humanities", ["n07978423"]),
        new("greek-mythology", "greek mythology", "theo-humanities", ["n07979425"]),
        new("norse-mythology", "norse mythology", "theo-humanities", ["n07983856"]),
        new("philosophy", "philosophy", "theo-humanities", ["n06158346"]),
        new("logic", "formal logic", "theo-humanities", ["n06163751"]),
        new("linguistics", "linguistics", "theo-humanities", ["n06172789"]),
        new("grammar", "grammar", "theo-humanities", ["n06174404"]),

        new("seafaring", "sailing and seafaring", "kai-travel", ["n00314469", "n00815801"]),
        new("ships", "ships and boats", "kai-travel", ["n04530566"]),
        new("aviation", "aviation and air travel", "kai-travel", ["n00300441"]),
        new("aircraft", "aircraft", "kai-travel", ["n02686568"]),
        new("driving", "driving a car", "kai-travel", ["n00298497"]),
        new("telecommunication", "telecommunications", "kai-travel", ["n06271778"]),
    ];
}
