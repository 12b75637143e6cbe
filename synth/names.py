"""Name lists for the synthetic generator, roughly in descending frequency order.

Lists are ordered so that a Zipf-like weight by rank reproduces the real skew of
given names and surnames: a handful of very common names (García, Иванов, Smith;
José, Александр, John) make namesakes frequent, which is what makes entity
resolution hard. Kept in code (not downloaded) so generation is offline and
deterministic. Names are common public first names and surnames, not people.
"""

from __future__ import annotations


def _split(text: str) -> list[str]:
    """Split a ``|``-separated block into stripped names (compound names keep spaces)."""
    return [part.strip() for part in text.replace("\n", "|").split("|") if part.strip()]


# --------------------------------------------------------------------------- Spanish (ES + MX)
ES_MALE = _split("""
Antonio|José|Manuel|Francisco|David|Juan|José Antonio|Javier|Daniel|José Luis|Francisco Javier
Carlos|Jesús|Alejandro|Miguel|José Manuel|Rafael|Miguel Ángel|Pedro|Pablo|Ángel|Sergio
José María|Fernando|Jorge|Luis|Alberto|Juan Carlos|Álvaro|Adrián|Juan José|Diego|Raúl|Iván
Juan Antonio|Rubén|Enrique|Óscar|Ramón|Vicente|Andrés|Juan Manuel|Joaquín|Santiago|Víctor
Eduardo|Mario|Roberto|Jaime|Francisco José|Marcos|Ignacio|Alfonso|Jordi|Hugo|Ricardo|Salvador
Guillermo|Emilio|Gabriel|Marc|Gonzalo|Julio|Julián|José Miguel|Tomás|Martín|Agustín
José Ramón|Nicolás|Ismael|Joan|Félix|Samuel|Cristian|Aitor|Lucas|Héctor|Juan Francisco|Iker
Josep|José Carlos|Álex|Mariano|Domingo|Sebastián|Alfredo|César|José Ángel|Felipe|José Ignacio
Víctor Manuel|Rodrigo|Luis Miguel|Mateo|José Francisco|Juan Luis|Xavier|Albert|Gregorio
Lorenzo|Cristóbal|Esteban|Arturo|Ernesto|Gerardo|Leonardo|Armando|Rogelio|Juan Pablo
Luis Fernando|Jorge Luis|Ramiro|Octavio|Humberto|Gustavo|Rodolfo|Ulises|Efraín|Saúl
Marco Antonio|José de Jesús|Juan de Dios|Heriberto|Everardo|Isidro|Abel|Adolfo|Benjamín
Bernardo|Braulio|Cuauhtémoc|Emiliano|Fidel|Gilberto|Hilario|Horacio|Israel|Jacinto|Leopoldo
Maximiliano|Moisés|Noé|Orlando|Osvaldo|Pascual|Reynaldo|Rigoberto|Santos|Teodoro|Valentín
Wenceslao|Yahir|Zacarías|Alan|Brandon|Kevin|Bryan|Erick|Omar|Edgar|Alonso|Bruno|Thiago
Leonel|Axel|Jonathan|Christian|Óliver|Pau|Unai|Asier|Eneko|Xabier|Ander|Íñigo|Borja|Gorka
Nacho|Cayetano|Jacobo|Marcelino|Anselmo|Aurelio|Baltasar|Bartolomé|Casimiro|Ceferino
Clemente|Conrado|Damián|Desiderio|Eladio|Eloy|Eusebio|Evaristo|Faustino|Fermín|Florencio
Fructuoso|Gaspar|Germán|Gervasio|Hipólito|Inocencio|Isaac|Jenaro|Justo|Leandro|Lucio
Marcial|Matías|Maximino|Nemesio|Norberto|Pío|Primitivo|Prudencio|Reinaldo|Rufino|Sancho
Segundo|Serafín|Silvestre|Simón|Teófilo|Tiburcio|Urbano|Venancio|Virgilio|Zoilo|Aarón|Elías
""")

ES_FEMALE = _split("""
María Carmen|María|Carmen|Ana María|Laura|María Pilar|Isabel|Josefa|María Dolores|Ana Isabel
María Teresa|Lucía|Cristina|Marta|Dolores|Francisca|Antonia|Paula|Elena|Sara|María Ángeles
Pilar|Raquel|Rosa María|Manuela|María José|Mercedes|Rosario|Concepción|Julia|Beatriz|Silvia
Nuria|Teresa|Encarnación|Irene|Alba|Patricia|Andrea|Rocío|Mónica|Rosa|Alicia|Sonia|Sandra
Marina|Susana|Ángela|Yolanda|Natalia|Margarita|María Josefa|Claudia|Eva|Inmaculada
María Rosario|Sofía|Carla|Noelia|Esther|Verónica|Nerea|Carolina|Daniela|Inés|Miriam
Guadalupe|María Mercedes|Eva María|Lorena|Ana Belén|Victoria|Amparo|María Elena|Celia
Juana|María Victoria|Alejandra|Ainhoa|Olga|Consuelo|Emilia|Catalina|Luisa|María Luisa
Fátima|Adriana|María Soledad|Gloria|Clara|Martina|Lidia|Aurora|Milagros|Montserrat
María Isabel|Soledad|Vanesa|Ana|Esperanza|Trinidad|Gemma|Cecilia|Estefanía|Rebeca|Begoña
Lourdes|Fernanda|Valeria|Ximena|María Fernanda|María Guadalupe|Leticia|Araceli|Norma
Gabriela|Adriana Isabel|Verónica Patricia|Brenda|Karla|Mariana|Yesenia|Maribel|Marisol
Itzel|Xóchitl|Citlali|Nayeli|Guillermina|Josefina|Socorro|Refugio|Imelda|Hortensia
Juana María|María de Lourdes|María del Carmen|María de los Ángeles|María del Rosario
Rosalía|Jimena|Regina|Renata|Romina|Abril|Camila|Valentina|Ximena Sofía|Aitana|Noa|Leire
Irati|Uxue|Arantxa|Maite|Itziar|Edurne|Mireia|Núria|Montse|Jordina|Remedios|Purificación
Visitación|Ascensión|Asunción|Felisa|Florentina|Genoveva|Gertrudis|Herminia|Higinia
Jacinta|Leonor|Lucrecia|Matilde|Nieves|Obdulia|Petra|Prudencia|Ramona|Sagrario|Salomé
Tomasa|Úrsula|Virtudes|Zoila|Blanca|Elvira|Eugenia|Irma|Dulce María|Perla|Rubí|Esmeralda
""")

ES_SURNAMES = _split("""
García|Rodríguez|González|Fernández|López|Martínez|Sánchez|Pérez|Gómez|Martín|Jiménez
Hernández|Ruiz|Díaz|Moreno|Muñoz|Álvarez|Romero|Gutiérrez|Alonso|Navarro|Torres|Domínguez
Ramos|Vázquez|Ramírez|Gil|Serrano|Morales|Molina|Blanco|Suárez|Castro|Ortega|Delgado|Ortiz
Marín|Rubio|Núñez|Medina|Sanz|Castillo|Iglesias|Cortés|Garrido|Santos|Guerrero|Lozano
Cano|Cruz|Méndez|Flores|Prieto|Herrera|Peña|León|Márquez|Cabrera|Gallego|Calvo|Vidal
Campos|Reyes|Vega|Fuentes|Carrasco|Diez|Aguilar|Caballero|Nieto|Santana|Vargas|Pascual
Giménez|Herrero|Hidalgo|Montero|Lorenzo|Santiago|Benítez|Durán|Ibáñez|Arias|Mora|Ferrer
Carmona|Vicente|Rojas|Soto|Crespo|Román|Pastor|Velasco|Parra|Sáez|Moya|Bravo|Rivera
Gallardo|Soler|Esteban|Pardo|Franco|Trujillo|Mendoza|Espinoza|Ríos|Luna|Contreras
Guzmán|Chávez|Salazar|Estrada|Cervantes|Juárez|Ávila|Aguirre|Rosales|Orozco|Villanueva
Sandoval|Zamora|Acosta|Maldonado|Ochoa|Valdez|Robles|Salinas|Zúñiga|Rangel|Ibarra|Beltrán
Carrillo|Meza|Padilla|Figueroa|Cárdenas|Solís|Espinosa|Quintero|Villarreal|Velázquez
Cisneros|Cuevas|Ponce|Tapia|Valencia|Trejo|Bautista|Olvera|Galván|Huerta|Lara|Miranda
Escobar|Osorio|Palacios|Rosas|Sosa|Valenzuela|Zavala|Arellano|Barrera|Benavides|Cordero
Córdoba|Cortez|Davila|Escamilla|Esquivel|Fuentes|Gallegos|Hurtado|Jaramillo|Lugo|Macías
Mejía|Montes|Nava|Pacheco|Quiroz|Rentería|Serna|Tovar|Urbina|Varela|Vera|Villalobos
de la Fuente|del Río|de la Cruz|de León|de los Santos|de la Torre|del Valle|de la Rosa
San Martín|de Diego|del Pino|de Castro|de la Peña|del Castillo|Abad|Aranda|Arroyo|Bermúdez
Blasco|Bueno|Cabello|Calderón|Carretero|Casado|Castaño|Cerezo|Conde|Corral|Cuesta|Duque
Escudero|Esteve|Expósito|Ferrero|Galán|Gálvez|Guerra|Heredia|Hierro|Izquierdo|Jurado
Lázaro|Llorente|Luque|Macías|Manzano|Mateo|Mateos|Mesa|Miguel|Millán|Mínguez|Montes
Mota|Muñiz|Nogueira|Otero|Pacheco|Palomo|Paredes|Pineda|Plaza|Polo|Quesada|Redondo
Rey|Rivas|Roca|Roldán|Salas|Salvador|Sanchís|Sierra|Solano|Tomás|Toledo|Valero|Vallejo
Villar|Zapata|Echeverría|Etxeberria|Goikoetxea|Aguirrezabala|Puig|Vilanova|Pujol|Ferrán
""")

# --------------------------------------------------------------------------- Russian
RU_MALE = _split("""
Александр|Сергей|Дмитрий|Андрей|Алексей|Максим|Евгений|Иван|Михаил|Владимир|Николай
Артём|Денис|Игорь|Павел|Роман|Олег|Никита|Антон|Виктор|Юрий|Илья|Кирилл|Вячеслав|Константин
Владислав|Егор|Анатолий|Василий|Валерий|Геннадий|Виталий|Станислав|Георгий|Вадим|Борис
Григорий|Пётр|Леонид|Руслан|Даниил|Тимур|Ярослав|Матвей|Фёдор|Степан|Глеб|Аркадий|Эдуард
Валентин|Тимофей|Семён|Лев|Марк|Богдан|Арсений|Филипп|Захар|Святослав|Ростислав|Всеволод
Василий|Яков|Эльдар|Ринат|Рустам|Марат|Арсен|Давид|Эмиль|Альберт|Вениамин|Герман
Гордей|Демьян|Добрыня|Елисей|Ефим|Жорж|Зиновий|Игнат|Иосиф|Кузьма|Лука|Макар|Мирон
Назар|Остап|Платон|Прохор|Савелий|Серафим|Тарас|Трофим|Феликс|Эрик|Юлиан|Ярополк
Анатолий|Афанасий|Валерьян|Викентий|Владлен|Гавриил|Геннадий|Денис|Евдоким|Емельян
Ермолай|Иннокентий|Ипполит|Корней|Лаврентий|Никифор|Никон|Пантелей|Потап|Рэм|Савва
Севастьян|Тихон|Фома|Харитон|Эмиль|Юлий|Ян|Альфред|Артур|Данила|Мстислав|Радик|Ильдар
""")
RU_MALE = list(dict.fromkeys(RU_MALE))

RU_FEMALE = _split("""
Елена|Татьяна|Ольга|Наталья|Анна|Ирина|Светлана|Екатерина|Мария|Юлия|Анастасия|Марина
Людмила|Галина|Надежда|Оксана|Валентина|Дарья|Любовь|Ксения|Алина|Виктория|Евгения|Полина
Нина|Вера|Александра|Лариса|Алёна|Софья|Кристина|Тамара|Елизавета|Валерия|Анжелика
Лидия|Жанна|Диана|Маргарита|Вероника|Яна|Инна|Зинаида|Варвара|Алиса|Ульяна|Арина
Раиса|Антонина|Нелли|Римма|Эльвира|Регина|Карина|Олеся|Снежана|Милана|Василиса|Ева
Таисия|Злата|Кира|Есения|Ангелина|Майя|Стефания|Мирослава|Виолетта|Всеслава|Агата
Аделина|Алла|Анфиса|Белла|Божена|Ванда|Владислава|Влада|Галя|Дина|Доминика|Евдокия
Зоя|Изабелла|Илона|Камилла|Клавдия|Лилия|Любава|Людмила|Маргарита|Марфа|Мила|Нонна
Оксана|Пелагея|Прасковья|Розалия|Руслана|Серафима|Станислава|Стелла|Тереза|Фаина
Эвелина|Эльмира|Юлиана|Ядвига|Ярослава|Аглая|Александрина|Берта|Глафира|Гульнара|Дана
Ирма|Капитолина|Лада|Лиана|Лолита|Луиза|Мадина|Наиля|Олимпиада|Рената|Сабина|Фатима
""")
RU_FEMALE = list(dict.fromkeys(RU_FEMALE))

# Masculine surname forms; feminine forms are derived (Иванов -> Иванова).
RU_SURNAMES = _split("""
Иванов|Смирнов|Кузнецов|Попов|Васильев|Петров|Соколов|Михайлов|Новиков|Фёдоров|Морозов
Волков|Алексеев|Лебедев|Семёнов|Егоров|Павлов|Козлов|Степанов|Николаев|Орлов|Андреев
Макаров|Никитин|Захаров|Зайцев|Соловьёв|Борисов|Яковлев|Григорьев|Романов|Воробьёв
Сергеев|Кузьмин|Фролов|Александров|Дмитриев|Королёв|Гусев|Киселёв|Ильин|Максимов
Поляков|Сорокин|Виноградов|Ковалёв|Белов|Медведев|Антонов|Тарасов|Жуков|Баранов
Филиппов|Комаров|Давыдов|Беляев|Герасимов|Богданов|Осипов|Сидоров|Матвеев|Титов
Марков|Миронов|Крылов|Куликов|Карпов|Власов|Мельников|Денисов|Гаврилов|Тихонов|Казаков
Афанасьев|Данилов|Савельев|Тимофеев|Фомин|Чернов|Абрамов|Мартынов|Ефимов|Федотов
Щербаков|Назаров|Калинин|Исаев|Чернышёв|Быков|Маслов|Родионов|Коновалов|Лазарев
Воронин|Климов|Филатов|Пономарёв|Голубев|Кудрявцев|Прохоров|Наумов|Потапов|Журавлёв
Овчинников|Трофимов|Леонов|Соболев|Ермаков|Колесников|Гончаров|Емельянов|Никифоров
Грачёв|Котов|Гришин|Ефремов|Архипов|Громов|Кириллов|Малышев|Панов|Моисеев|Румянцев
Акимов|Кондратьев|Бирюков|Горбунов|Анисимов|Ерёмин|Тихомиров|Галкин|Лукьянов|Михеев
Скворцов|Юдин|Белоусов|Нестеров|Симонов|Прокофьев|Харитонов|Князев|Цветков|Левин
Митрофанов|Воронов|Аксёнов|Софронов|Мальцев|Логинов|Горшков|Савин|Краснов|Майоров
Демидов|Елисеев|Рыбаков|Сафонов|Плотников|Дёмин|Хохлов|Жданов|Руднев|Зимин|Шубин
Широков|Шестаков|Пахомов|Суханов|Бондарев|Зуев|Носков|Шишкин|Захаров|Ершов|Калашников
Лапин|Шилов|Третьяков|Мухин|Ширяев|Якушев|Кравцов|Чистяков|Щукин|Костин|Блинов|Лавров
Островский|Высоцкий|Вишневский|Ковальский|Покровский|Успенский|Троицкий|Добровольский
Толстой|Луговой|Городской|Соколовский|Шевченко|Бондаренко|Ткаченко|Кравченко|Коваленко
Ковальчук|Мельник|Полищук|Черных|Седых|Белых|Долгих|Лысенко|Гордеев|Рябов|Баженов
Хабибуллин|Галиев|Сафин|Гарипов|Валиев|Абдуллаев|Алиев|Мамедов|Гасанов|Исмаилов
""")
RU_SURNAMES = list(dict.fromkeys(RU_SURNAMES))

# --------------------------------------------------------------------------- English (US + UK)
EN_MALE = _split("""
James|John|Robert|Michael|William|David|Richard|Joseph|Thomas|Charles|Christopher|Daniel
Matthew|Anthony|Mark|Donald|Steven|Paul|Andrew|Joshua|Kenneth|Kevin|Brian|George|Timothy
Ronald|Edward|Jason|Jeffrey|Ryan|Jacob|Gary|Nicholas|Eric|Jonathan|Stephen|Larry|Justin
Scott|Brandon|Benjamin|Samuel|Gregory|Alexander|Frank|Patrick|Raymond|Jack|Dennis|Jerry
Tyler|Aaron|Jose|Adam|Nathan|Henry|Douglas|Zachary|Peter|Kyle|Ethan|Walter|Noah|Jeremy
Christian|Keith|Roger|Terry|Gerald|Harold|Sean|Austin|Carl|Arthur|Lawrence|Dylan|Jesse
Jordan|Bryan|Billy|Joe|Bruce|Gabriel|Logan|Albert|Willie|Alan|Juan|Wayne|Elijah|Randy
Roy|Vincent|Ralph|Eugene|Russell|Bobby|Mason|Philip|Louis|Oliver|Harry|Charlie|Alfie
Freddie|Archie|Leo|Oscar|Theo|Arthur|Alfred|Ian|Graham|Colin|Nigel|Trevor|Clive|Derek
Malcolm|Neil|Gavin|Stuart|Gordon|Alistair|Hamish|Callum|Rhys|Owen|Gareth|Dafydd|Liam
Connor|Declan|Ciaran|Niall|Rory|Finlay|Angus|Duncan|Fraser|Lewis|Jamie|Craig|Darren
Dean|Lee|Wesley|Barry|Kieran|Reece|Bradley|Jake|Luke|Joel|Toby|Max|Isaac|Caleb|Hunter
Cameron|Evan|Luis|Carlos|Isaiah|Jayden|Gavin|Chase|Cole|Blake|Landon|Carter|Wyatt|Owen
Levi|Jaxon|Grayson|Lincoln|Hudson|Easton|Nolan|Colton|Parker|Dominic|Bentley|Miles
Travis|Shawn|Chad|Cody|Dustin|Marcus|Derrick|Curtis|Howard|Leonard|Stanley|Clarence
Earl|Herbert|Lloyd|Glenn|Gordon|Marvin|Melvin|Norman|Warren|Vernon|Floyd|Leroy|Francis
""")
EN_MALE = list(dict.fromkeys(EN_MALE))

EN_FEMALE = _split("""
Mary|Patricia|Jennifer|Linda|Elizabeth|Barbara|Susan|Jessica|Sarah|Karen|Lisa|Nancy
Betty|Margaret|Sandra|Ashley|Kimberly|Emily|Donna|Michelle|Carol|Amanda|Dorothy|Melissa
Deborah|Stephanie|Rebecca|Sharon|Laura|Cynthia|Kathleen|Amy|Angela|Shirley|Anna|Brenda
Pamela|Emma|Nicole|Helen|Samantha|Katherine|Christine|Debra|Rachel|Carolyn|Janet
Catherine|Maria|Heather|Diane|Ruth|Julie|Olivia|Joyce|Virginia|Victoria|Kelly|Lauren
Christina|Joan|Evelyn|Judith|Megan|Andrea|Cheryl|Hannah|Jacqueline|Martha|Gloria|Teresa
Ann|Sara|Madison|Frances|Kathryn|Janice|Jean|Abigail|Alice|Julia|Judy|Sophia|Grace
Denise|Amber|Doris|Marilyn|Danielle|Beverly|Isabella|Theresa|Diana|Natalie|Brittany
Charlotte|Marie|Kayla|Alexis|Lori|Amelia|Isla|Ava|Mia|Ella|Poppy|Lily|Sophie|Freya
Florence|Evie|Ruby|Millie|Daisy|Rosie|Phoebe|Imogen|Harriet|Eleanor|Beatrice|Matilda
Gemma|Claire|Joanne|Tracey|Nicola|Kirsty|Leanne|Stacey|Kerry|Hayley|Zoe|Chloe|Jade
Bethany|Lucy|Holly|Katie|Georgia|Abbie|Fiona|Morag|Eilidh|Siobhan|Niamh|Aoife|Ciara
Sian|Cerys|Bronwen|Gwen|Rhiannon|Harper|Avery|Scarlett|Aria|Chloe|Penelope|Layla|Riley
Zoey|Nora|Hazel|Aurora|Savannah|Audrey|Brooklyn|Bella|Claire|Skylar|Lucy|Paisley
Everly|Caroline|Nova|Genesis|Emilia|Kennedy|Maya|Willow|Kinsley|Naomi|Aaliyah|Elena
Tiffany|Crystal|Erin|Tara|Wendy|Valerie|Vanessa|Monica|Dawn|Tammy|Connie|Peggy|Rita
""")
EN_FEMALE = list(dict.fromkeys(EN_FEMALE))

EN_SURNAMES = _split("""
Smith|Johnson|Williams|Brown|Jones|Miller|Davis|Wilson|Anderson|Taylor|Thomas|Moore
Jackson|Martin|Lee|Thompson|White|Harris|Clark|Lewis|Robinson|Walker|Young|Allen|King
Wright|Scott|Hill|Green|Adams|Baker|Nelson|Carter|Mitchell|Roberts|Turner|Phillips
Campbell|Parker|Evans|Edwards|Collins|Stewart|Morris|Murphy|Cook|Rogers|Morgan|Peterson
Cooper|Reed|Bailey|Bell|Kelly|Howard|Ward|Cox|Richardson|Wood|Watson|Brooks|Bennett|Gray
James|Hughes|Price|Sanders|Myers|Long|Ross|Foster|Powell|Jenkins|Perry|Russell|Sullivan
Butler|Barnes|Fisher|Henderson|Coleman|Simmons|Patterson|Jordan|Reynolds|Hamilton|Graham
Wallace|West|Cole|Hayes|Bryant|Gibson|Ellis|Stevens|Marshall|Owens|McDonald|Harrison
Kennedy|Wells|Alexander|Ford|Palmer|Hunt|Shaw|Mason|Rice|Black|Holmes|Stone|Dixon|Lane
Knight|Mills|Chapman|Webb|Lloyd|Hudson|Walsh|Davies|Hall|Jackson|Wood|Thompson|O'Brien
O'Connor|O'Neill|McCarthy|MacLeod|Fraser|Hughes|Clarke|Rees|Lloyd|Price|Griffiths|Pugh
Jenkins|Morgan|Powell|Vaughan|Matthews|Pearson|Atkinson|Dawson|Burton|Barker|Fletcher
Payne|Spencer|Lawrence|Harvey|Holland|Day|Gardner|Carr|Newman|Lambert|Hart|Pearce
Bishop|Curtis|Hopkins|Rhodes|Hewitt|Doyle|Quinn|Gallagher|Byrne|Ryan|Duffy|Kavanagh
Hutchinson|Whitehead|Sutton|Rowe|Booth|Parsons|Bradley|Cunningham|Arnold|Bates|Howell
Nicholson|Armstrong|Fox|Hunter|Saunders|Gill|Lowe|Moss|Austin|Marsh|Barber|Blake|Rose
Garcia|Martinez|Rodriguez|Hernandez|Lopez|Gonzalez|Perez|Sanchez|Ramirez|Torres|Nguyen
Kim|Patel|Singh|Khan|Ali|Chen|Wang|Cohen|Schmidt|Mueller|Novak|Kowalski|Rossi|Ferrari
Freeman|Webster|Snyder|Warner|Hansen|Larson|Olson|Carlson|Johnston|Schultz|Meyer|Weber
Burke|Fitzgerald|Lynch|Dunn|Hoffman|Bowman|Fowler|Lucas|Riley|Stephens|Porter|Hicks
Crawford|Boyd|Mason|Morales|Warren|Dean|Chambers|Holt|Lyons|Mcdaniel|Sharp|Bowen|Page
""")
EN_SURNAMES = list(dict.fromkeys(EN_SURNAMES))
ES_SURNAMES = list(dict.fromkeys(ES_SURNAMES))
ES_MALE = list(dict.fromkeys(ES_MALE))
ES_FEMALE = list(dict.fromkeys(ES_FEMALE))

# --------------------------------------------------------------------------- nicknames
# language -> formal -> informal forms people actually type into web forms and support tools.
NICKNAMES: dict[str, dict[str, list[str]]] = {"es": {
    "José": ["Pepe", "Pepito", "Chema"], "José María": ["Chema", "Josema"],
    "José Luis": ["Pepelu", "Joselu"], "José Manuel": ["Chema", "Josema"],
    "José Antonio": ["Pepe", "Joseán"], "Francisco": ["Paco", "Pancho", "Curro", "Quico"],
    "Francisco Javier": ["Javi", "Paco", "Fran"], "Alejandro": ["Álex", "Alex", "Jandro"],
    "Guadalupe": ["Lupe", "Lupita"], "María Guadalupe": ["Lupe", "Lupita"], "Jesús": ["Chuy", "Chucho"],
    "Manuel": ["Manolo", "Manu", "Lolo"], "Ignacio": ["Nacho"], "Dolores": ["Lola", "Loli"],
    "María Dolores": ["Lola", "Loli", "Maricarmen"], "Concepción": ["Concha", "Conchi", "Conchita"],
    "Enrique": ["Quique"], "Antonio": ["Toño", "Antoñito", "Toni"], "Rosario": ["Charo", "Chayo"],
    "Mercedes": ["Merche", "Meche"], "Consuelo": ["Chelo"], "Eduardo": ["Lalo", "Edu"],
    "Roberto": ["Beto", "Robe"], "Alberto": ["Beto", "Tito"], "Guillermo": ["Memo", "Guille"],
    "Gonzalo": ["Chalo", "Gonza"], "Alfonso": ["Poncho", "Fonsi"], "María Teresa": ["Maite", "Tere"],
    "Teresa": ["Tere"], "María José": ["Majo", "Marijose"], "Cristina": ["Cris", "Tina"],
    "Fernando": ["Fer", "Nando"], "Santiago": ["Santi", "Chago"], "Ricardo": ["Richi", "Richard"],
    "Isabel": ["Chabela", "Isa", "Chavela"], "Javier": ["Javi"], "Daniel": ["Dani"],
    "Pilar": ["Pili", "Mapi"], "María Pilar": ["Pili", "Mapi"], "María Carmen": ["Maricarmen", "Mamen"],
    "María del Carmen": ["Maricarmen", "Mamen", "Carmen"], "Carmen": ["Carmencita", "Mamen"],
    "Encarnación": ["Encarna"], "Inmaculada": ["Inma"], "Montserrat": ["Montse"],
    "Josefa": ["Pepa", "Pepi"], "Francisca": ["Paca", "Paqui", "Pancha"], "Beatriz": ["Bea"],
    "Patricia": ["Patri", "Paty"], "Verónica": ["Vero"], "Esperanza": ["Espe"],
    "Salvador": ["Chava", "Salva"], "Ramón": ["Moncho"], "Vicente": ["Chente"],
    "Rafael": ["Rafa", "Rafita"], "Sebastián": ["Sebas"], "Adriana": ["Adri"], "Adrián": ["Adri"],
    "Miguel Ángel": ["Miguelangel", "Migue"], "Juan Carlos": ["Juanca"], "Juan José": ["Juanjo"],
    "Juan Manuel": ["Juanma"], "Juan Antonio": ["Juanan", "Juanto"], "Juan": ["Juanito"],
    "Gabriela": ["Gaby"], "Margarita": ["Marga", "Magui"], "Natalia": ["Nati"],
    "Estefanía": ["Fany", "Estefi"], "Leticia": ["Lety"], "Asunción": ["Asun"],
    "Jacinto": ["Chinto"], "Mariana": ["Mari"], "Ana Isabel": ["Anabel"],
    "María Fernanda": ["Marifer", "Fer"], "María Luisa": ["Marisa"], "Soledad": ["Sole"],
}, "ru": {
    "Александр": ["Саша", "Шура", "Саня"], "Александра": ["Саша", "Шура"],
    "Дмитрий": ["Дима", "Митя"], "Екатерина": ["Катя", "Катюша"], "Михаил": ["Миша"],
    "Алексей": ["Лёша", "Алёша"], "Сергей": ["Серёжа", "Серж"], "Владимир": ["Володя", "Вова"],
    "Николай": ["Коля"], "Иван": ["Ваня"], "Евгений": ["Женя"], "Евгения": ["Женя"],
    "Анастасия": ["Настя"], "Мария": ["Маша", "Маня"], "Наталья": ["Наташа", "Ната"],
    "Татьяна": ["Таня"], "Ольга": ["Оля"], "Елена": ["Лена"], "Юлия": ["Юля"],
    "Светлана": ["Света"], "Анна": ["Аня"], "Павел": ["Паша"], "Андрей": ["Андрюша"],
    "Григорий": ["Гриша"], "Константин": ["Костя"], "Виктор": ["Витя"], "Вячеслав": ["Слава"],
    "Ирина": ["Ира"], "Людмила": ["Люда", "Мила"], "Галина": ["Галя"], "Ксения": ["Ксюша"],
    "Дарья": ["Даша"], "Валентина": ["Валя"], "Максим": ["Макс"], "Борис": ["Боря"],
    "Юрий": ["Юра"], "Роман": ["Рома"], "Владислав": ["Влад"], "Станислав": ["Стас"],
    "Анатолий": ["Толя"], "Василий": ["Вася"], "Пётр": ["Петя"], "Георгий": ["Жора", "Гоша"],
    "Надежда": ["Надя"], "Любовь": ["Люба"], "Валерия": ["Лера"], "Виктория": ["Вика"],
    "Елизавета": ["Лиза"], "Софья": ["Соня"], "Кристина": ["Кристи"], "Полина": ["Поля"],
    "Вадим": ["Вадик"], "Денис": ["Дэн"], "Тимофей": ["Тима"], "Семён": ["Сёма"],
}, "en": {
    "William": ["Bill", "Will", "Billy", "Liam"], "Robert": ["Bob", "Rob", "Bobby", "Robbie"],
    "Elizabeth": ["Liz", "Beth", "Betty", "Lizzie", "Eliza"], "Richard": ["Rick", "Dick", "Rich"],
    "James": ["Jim", "Jimmy", "Jamie"], "Michael": ["Mike", "Mickey"], "Thomas": ["Tom", "Tommy"],
    "Joseph": ["Joe", "Joey"], "Charles": ["Charlie", "Chuck", "Chas"],
    "Margaret": ["Maggie", "Peggy", "Meg"], "Katherine": ["Kate", "Kathy", "Katie"],
    "Catherine": ["Cathy", "Kate"], "Jennifer": ["Jen", "Jenny"], "Christopher": ["Chris"],
    "Daniel": ["Dan", "Danny"], "Matthew": ["Matt"], "Anthony": ["Tony"], "Andrew": ["Andy", "Drew"],
    "Edward": ["Ed", "Ted", "Eddie"], "Patricia": ["Pat", "Patty", "Trish"], "Susan": ["Sue", "Suzy"],
    "Deborah": ["Debbie", "Deb"], "Rebecca": ["Becky", "Becca"], "Samantha": ["Sam", "Sammy"],
    "Nicholas": ["Nick"], "Benjamin": ["Ben"], "Steven": ["Steve"], "Stephen": ["Steve"],
    "Jonathan": ["Jon"], "Alexander": ["Alex", "Sandy"], "Victoria": ["Vicky", "Tori"],
    "Alexandra": ["Alex", "Lexi"], "Timothy": ["Tim"], "Kenneth": ["Ken", "Kenny"],
    "Gregory": ["Greg"], "Jeffrey": ["Jeff"], "Ronald": ["Ron", "Ronnie"], "Donald": ["Don"],
    "Samuel": ["Sam"], "Zachary": ["Zach"], "Gerald": ["Gerry"], "Lawrence": ["Larry"],
    "Raymond": ["Ray"], "Frederick": ["Fred"], "Harold": ["Harry"], "Henry": ["Harry", "Hank"],
    "Kimberly": ["Kim"], "Jessica": ["Jess"], "Pamela": ["Pam"], "Christine": ["Chris"],
    "Cynthia": ["Cindy"], "Judith": ["Judy"], "Dorothy": ["Dot", "Dottie"], "Barbara": ["Barb"],
    "Abigail": ["Abby"], "Eleanor": ["Ellie", "Nell"], "Florence": ["Flo"], "Isabella": ["Bella"],
    "Philip": ["Phil"], "Peter": ["Pete"], "Douglas": ["Doug"], "Patrick": ["Paddy", "Pat"],
}}

# Honorifics by language and gender (M/F), as people type them.
HONORIFICS: dict[str, dict[str, list[str]]] = {
    "es": {"M": ["Sr.", "Sr", "D.", "Don"], "F": ["Sra.", "Dña.", "Doña", "Srta."]},
    "ru": {"M": ["г-н", "Г-н", "господин"], "F": ["г-жа", "Г-жа", "госпожа"]},
    "en": {"M": ["Mr.", "Mr", "MR"], "F": ["Mrs.", "Ms.", "Ms", "Miss"]},
}
