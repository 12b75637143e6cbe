"""Common given names and surnames (ES/MX, RU, EN/US/UK), by language and gender.

Used to decide name order ("GARCIA LOPEZ JOSE" is surname-first, "Иванова Наталья" is
family-given) and to guess gender. ``transforms.name_keys`` turns every entry into its Latin
key, so Cyrillic lists also recognise "Natalya"/"Natalia"/"Natalja". Space-separated
strings keep the lists easy to extend.
"""

from __future__ import annotations

ES_MALE = """
José Juan Antonio Manuel Francisco David Javier Daniel Carlos Jesús Alejandro Miguel Rafael
Pedro Pablo Ángel Sergio Fernando Luis Jorge Alberto Álvaro Diego Adrián Raúl Enrique Ramón
Vicente Iván Rubén Óscar Andrés Joaquín Santiago Eduardo Víctor Roberto Jaime Mario Ignacio
Marcos Alfonso Salvador Ricardo Emilio Hugo Guillermo Gabriel Julián Julio Tomás Agustín
Martín Nicolás Gonzalo Félix Cristian Ismael Esteban Héctor Mariano Domingo Lorenzo Rodrigo
Arturo Gregorio Felipe Ernesto Armando Gerardo Rogelio Jacinto César Leonardo Samuel Benjamín
Alfredo Osvaldo Humberto Octavio Ulises Rolando Mateo Lucas Marc Jordi Iker Unai Aitor Borja
Iñaki Xavier Joan Pau Bartolomé Federico Teodoro Patricio Bruno Cristóbal Isidro Leandro
Valentín Sebastián Matías Emiliano Maximiliano Efraín Ezequiel Abel Moisés Elías Israel Noé
Saúl Josué Omar Fabián Marco Germán Ramiro Fidel Alonso Baltasar Gil Rosendo Heriberto
Everardo Jonathan Brandon Erick Kevin Alan Gustavo Marcelo Ulises Raimundo Rigoberto
Ángel Aurelio Juanjo Santos Tadeo Luciano Hernán Horacio Nahuel Iago Xabier Eneko
"""

ES_FEMALE = """
María Carmen Ana Isabel Laura Cristina Marta Dolores Pilar Lucía Elena Sara Paula Raquel Rosa
Manuela Mercedes Teresa Rocío Antonia Beatriz Silvia Julia Encarnación Alba Irene Patricia
Andrea Montserrat Mónica Rosario Concepción Sonia Sandra Nuria Ángela Alicia Yolanda Marina
Susana Margarita Natalia Inmaculada Eva Claudia Esther Inés Noelia Verónica Carla Amparo
Francisca Josefa Guadalupe Adriana Gabriela Alejandra Fernanda Daniela Valeria Ximena Sofía
Camila Valentina Regina Renata Mariana Leticia Gloria Araceli Rebeca Lorena Norma Alma Blanca
Estela Graciela Socorro Soledad Consuelo Milagros Asunción Remedios Esperanza Luz Belén
Nieves Ainhoa Leire Itziar Lourdes Fátima Macarena Miriam Diana Vanesa Tamara Lidia Olga
Catalina Agustina Florencia Josefina Juana Luisa Emilia Victoria Virginia Aurora Ángeles
Trinidad Rosalía Gema Celia Begoña Marisol Maribel Yesenia Jazmín Brenda Karla Karina Paola
Perla Elizabeth Cecilia Liliana Marta Irma Jimena Elvira Olivia Martina Lola Ariadna Nerea
Aitana Almudena Purificación Montse Marisa Rosana Ana Reyes Tania Yaiza Zoe Nadia Estefanía
"""

EN_MALE = """
James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel
Matthew Anthony Mark Donald Steven Stephen Paul Andrew Joshua Kenneth Kevin Brian George
Timothy Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Larry Justin Scott
Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry Tyler Aaron
Henry Adam Douglas Nathan Peter Zachary Kyle Walter Harold Jeremy Ethan Carl Keith Roger
Gerald Christian Terry Sean Arthur Austin Noah Lawrence Jesse Joe Bryan Billy Jordan Albert
Dylan Bruce Willie Gabriel Alan Logan Wayne Ralph Roy Eugene Randy Vincent Russell Louis
Philip Phillip Bobby Johnny Bradley Oliver Harry Liam Alfred Frederick Francis Theodore Colin
Graham Ian Neil Stuart Gavin Callum Hugh Nigel Trevor Derek Clive Geoffrey Malcolm Martin Simon
Luke Jake Lewis Owen Rhys Connor Edwin Edmund Herbert Stanley Leonard Howard Gordon Norman
Ernest Wesley Mason Elijah Caleb Hunter Isaac Evan Chad Travis Craig Shawn Todd Glenn Barry
"""

EN_FEMALE = """
Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty
Margaret Sandra Ashley Kimberly Emily Donna Michelle Carol Amanda Dorothy Melissa Deborah
Stephanie Rebecca Sharon Laura Cynthia Kathleen Amy Angela Shirley Anna Brenda Pamela Emma
Nicole Helen Samantha Katherine Catherine Christine Christina Debra Rachel Carolyn Janet
Virginia Maria Heather Diane Ruth Julie Olivia Joyce Victoria Kelly Lauren Joan Evelyn Judith
Megan Andrea Cheryl Hannah Jacqueline Martha Gloria Teresa Ann Anne Sara Madison Frances
Kathryn Janice Jean Abigail Alice Judy Sophia Grace Denise Amber Doris Marilyn Danielle
Beverly Isabella Theresa Diana Natalie Brittany Charlotte Marie Kayla Lori Jane Lucy Chloe
Sophie Amelia Ellie Georgia Hayley Zoe Holly Molly Poppy Alison Claire Louise Gemma Joanne
Tracy Wendy Eleanor Harriet Fiona Kirsty Leanne Josephine Rose Jillian Caroline Valerie
"""

RU_MALE = """
Александр Алексей Анатолий Андрей Антон Аркадий Артём Артур Богдан Борис Вадим Валентин
Валерий Василий Виктор Виталий Владимир Владислав Всеволод Вячеслав Геннадий Георгий Герман
Глеб Григорий Давид Даниил Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Лев
Леонид Максим Марк Матвей Михаил Никита Николай Олег Павел Пётр Роман Руслан Семён Сергей
Станислав Степан Тимофей Тимур Фёдор Филипп Эдуард Юрий Ярослав Яков Захар Арсений Ростислав
Эльдар Ринат Рустам Альберт Марат Вениамин Эмиль Валериан Святослав Эрик Айдар
"""

RU_FEMALE = """
Александра Алина Алла Анастасия Ангелина Анна Антонина Валентина Валерия Вера Вероника
Виктория Галина Дарья Диана Ева Евгения Екатерина Елена Елизавета Жанна Зинаида Зоя Инна
Ирина Карина Кира Кристина Ксения Лариса Лидия Любовь Людмила Маргарита Марина Мария Надежда
Наталья Нина Оксана Ольга Полина Раиса Светлана София Софья Таисия Тамара Татьяна Ульяна
Эльвира Юлия Яна Алёна Варвара Василиса Милана Снежана Эвелина Олеся Арина Вета Алиса Регина
"""

ES_SURNAMES = """
García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín Jiménez Ruiz
Hernández Díaz Moreno Muñoz Álvarez Romero Alonso Gutiérrez Navarro Torres Domínguez Vázquez
Ramos Gil Ramírez Serrano Blanco Molina Morales Suárez Ortega Delgado Castro Ortiz Rubio Marín
Sanz Núñez Iglesias Medina Garrido Cortés Castillo Santos Lozano Guerrero Cano Prieto Méndez
Cruz Calvo Gallego Vidal León Márquez Herrera Peña Flores Cabrera Campos Vega Fuentes Carrasco
Díez Caballero Reyes Nieto Aguilar Pascual Santana Herrero Lorenzo Montero Hidalgo Giménez
Ibáñez Ferrer Durán Santiago Benítez Mora Vicente Vargas Arias Carmona Crespo Román Pastor Soto
Sáez Velasco Moya Soler Parra Esteban Bravo Gallardo Rojas Mendoza Aguirre Salazar Rivera
Chávez Luna Juárez Espinoza Sandoval Contreras Guzmán Velázquez Estrada Ríos Cervantes Robles
Ayala Villanueva Cordero Orozco Valencia Acosta Pineda Zamora Trujillo Cisneros Figueroa
Fuente Puig Ferrer Vila Costa Mas Font Roig Serra Pons Riera
"""

EN_SURNAMES = """
Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore Jackson
White Harris Martin Thompson Robinson Clark Lewis Walker Hall Allen Young King Wright Scott
Green Baker Adams Nelson Hill Campbell Mitchell Roberts Carter Phillips Evans Turner Parker
Collins Edwards Stewart Morris Murphy Cook Rogers Morgan Cooper Peterson Reed Bailey Bell
Kelly Howard Ward Cox Richardson Wood Watson Brooks Bennett Gray James Hughes Price Sanders
Myers Long Ross Foster Jenkins Powell Perry Butler Barnes Fisher Henderson Coleman Patterson
Jordan Graham Reynolds Hamilton Wallace Cole West Stone Murray Ford Marshall Owens McDonald
O'Brien Kennedy Wells Hunt Palmer Black Robertson Shaw Holmes Lloyd Harrison Knight Webb
"""

RU_SURNAMES = """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов Волков
Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев Макаров Никитин
Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев Кузьмин Фролов
Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин Виноградов Ковалёв
Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов Беляев Герасимов
Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов Карпов Власов Абрамов
Щукин Хабаров Цветков Толстой Петровский Достоевский Шевченко Ковальчук Бондаренко Ткаченко
"""
